import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { errorText, hatch } from "./hatch.ts";
import "./style.css";
import { Alert } from "./alert.tsx";

/** /reset-password?token=…: the link in the reset email. Sets a new password; every session is signed out. */
function Reset() {
	const token = new URLSearchParams(location.search).get("token") ?? "";
	const [who, setWho] = useState<string | null>(null);
	const [done, setDone] = useState(false);
	const [error, setError] = useState(token ? "" : "This link has no token. Ask for a new reset email.");
	useEffect(() => {
		if (!token) return;
		hatch.api
			.json<{ email?: string }>("POST", "/v1/auth/password/reset/check", { body: { token }, anonymous: true })
			.then((r) => setWho(r.email ?? ""))
			.catch((e) => setError(`${errorText(e)} Ask for a new reset email from the sign-in page.`));
	}, []);
	return (
		<main class="card">
			<h1>Set a new password</h1>
			{who && <p class="muted">For {who}</p>}
			{done ? (
				<p role="status">
					Your password is changed and every device is signed out. <a href="/">Sign in</a>
				</p>
			) : (
				<form
					onSubmit={async (ev) => {
						ev.preventDefault();
						const f = new FormData(ev.currentTarget as HTMLFormElement);
						const pw = String(f.get("password") ?? "");
						if (pw !== String(f.get("again") ?? "")) return setError("The two passwords differ.");
						setError("");
						try {
							await hatch.auth.resetPassword(token, pw);
							hatch.api.clear();
							setDone(true);
						} catch (e) {
							setError(errorText(e));
						}
					}}
				>
					<label for="new-password">New password (8 or more characters)</label>
					<input
						id="new-password"
						name="password"
						type="password"
						autocomplete="new-password"
						minLength={8}
						required
					/>
					<label for="new-password-again">The same again</label>
					<input
						id="new-password-again"
						name="again"
						type="password"
						autocomplete="new-password"
						minLength={8}
						required
					/>
					<button type="submit" disabled={!token}>
						Set password
					</button>
				</form>
			)}
			<Alert text={error} />
		</main>
	);
}

const root = document.getElementById("app");
if (root) render(<Reset />, root);
