import { useState } from "preact/hooks";
import { errorText, hatch } from "./hatch.ts";

type Mode = "email" | "register" | "phone";

/** Sign in by email and password or by phone code, or sign up by email (the link lands on /confirm). */
export function Login({ onSignedIn }: { onSignedIn: () => void }) {
	const [mode, setMode] = useState<Mode>("email");
	const [error, setError] = useState("");
	const [note, setNote] = useState("");
	const [busy, setBusy] = useState(false);
	const [codeSent, setCodeSent] = useState(false);

	const run = (work: (form: FormData) => Promise<void>) => async (ev: Event) => {
		ev.preventDefault();
		setError("");
		setBusy(true);
		try {
			await work(new FormData(ev.currentTarget as HTMLFormElement));
		} catch (err) {
			setError(errorText(err));
		} finally {
			setBusy(false);
		}
	};
	const field = (f: FormData, k: string) => String(f.get(k) ?? "").trim();

	return (
		<main class="card">
			<h1>Hatch</h1>
			<div role="tablist" aria-label="How to sign in">
				{(["email", "phone", "register"] as const).map((m) => (
					<button
						key={m}
						type="button"
						role="tab"
						class={mode === m ? "" : "plain"}
						aria-selected={mode === m}
						onClick={() => {
							setMode(m);
							setError("");
							setNote("");
						}}
					>
						{m === "email" ? "Email" : m === "phone" ? "Phone" : "Sign up"}
					</button>
				))}
			</div>
			{mode === "email" && (
				<form
					aria-label="Sign in with email"
					onSubmit={run(async (f) => {
						await hatch.auth.loginWithEmail(field(f, "email"), String(f.get("password")));
						onSignedIn();
					})}
				>
					<label for="login-email">Email</label>
					<input id="login-email" name="email" type="email" autocomplete="username" required />
					<label for="login-password">Password</label>
					<input
						id="login-password"
						name="password"
						type="password"
						autocomplete="current-password"
						required
					/>
					<button type="submit" disabled={busy}>
						Sign in
					</button>
					<button
						type="button"
						class="plain"
						onClick={async () => {
							const email = (document.getElementById("login-email") as HTMLInputElement).value.trim();
							if (!email) return setError("Type your email first, then ask for the reset link.");
							await hatch.auth.forgotPassword(email).catch((e) => setError(errorText(e)));
							setNote("If the address has an account, a reset link is on its way.");
						}}
					>
						Forgot password?
					</button>
				</form>
			)}
			{mode === "phone" && (
				<form
					aria-label="Sign in with a phone code"
					onSubmit={run(async (f) => {
						if (!codeSent) {
							await hatch.auth.requestPhoneCode(field(f, "phone"));
							setCodeSent(true);
							setNote("We texted you a 6-digit code.");
							return;
						}
						await hatch.auth.verifyPhoneCode(field(f, "phone"), field(f, "code"));
						onSignedIn();
					})}
				>
					<label for="login-phone">Phone number</label>
					<input
						id="login-phone"
						name="phone"
						type="tel"
						autocomplete="tel"
						placeholder="+14155552671"
						required
					/>
					{codeSent && (
						<>
							<label for="login-code">Code</label>
							<input
								id="login-code"
								name="code"
								inputMode="numeric"
								autocomplete="one-time-code"
								pattern="\d{6}"
								required
							/>
						</>
					)}
					<button type="submit" disabled={busy}>
						{codeSent ? "Sign in" : "Text me a code"}
					</button>
				</form>
			)}
			{mode === "register" && (
				<form
					aria-label="Sign up with email"
					onSubmit={run(async (f) => {
						await hatch.auth.register(
							field(f, "email"),
							String(f.get("password")),
							field(f, "name") || undefined,
						);
						setNote("Check your email: the link in it finishes creating your account.");
					})}
				>
					<label for="reg-name">Your name</label>
					<input id="reg-name" name="name" autocomplete="name" />
					<label for="reg-email">Email</label>
					<input id="reg-email" name="email" type="email" autocomplete="email" required />
					<label for="reg-password">Password (8 or more characters)</label>
					<input
						id="reg-password"
						name="password"
						type="password"
						autocomplete="new-password"
						minLength={8}
						required
					/>
					<button type="submit" disabled={busy}>
						Sign up
					</button>
				</form>
			)}
			<p role="status">{note}</p>
			<p role="alert" class="error">
				{error}
			</p>
		</main>
	);
}
