import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { errorText, hatch } from "./hatch.ts";
import "./style.css";

/**
 * /confirm?token=…: the link in the sign-up email. Creates the account and
 * signs this browser in; a token from an email-change confirmation
 * (POST /v1/auth/email/confirm) is tried when it is not a sign-up token.
 */
function Confirm() {
	const token = new URLSearchParams(location.search).get("token") ?? "";
	const [state, setState] = useState<"working" | "done" | "failed">("working");
	const [message, setMessage] = useState("");
	useEffect(() => {
		if (!token) {
			setState("failed");
			setMessage("This link has no token. Open the link from the email again, or copy the whole address.");
			return;
		}
		hatch.auth
			.confirmRegistration(token)
			.then(() => setState("done"))
			.catch(async (first) => {
				try {
					await hatch.api.json("POST", "/v1/auth/email/confirm", { body: { token }, anonymous: true });
					setState("done");
				} catch {
					setState("failed");
					setMessage(errorText(first));
				}
			});
	}, []);
	return (
		<main class="card">
			<h1>Confirm your email</h1>
			{state === "working" && <p role="status">Confirming…</p>}
			{state === "done" && (
				<p role="status">
					Your email is confirmed. <a href="/">Open Hatch</a>
				</p>
			)}
			{state === "failed" && (
				<p role="alert" class="error">
					{message} You can sign up again at <a href="/">Hatch</a> for a new link.
				</p>
			)}
		</main>
	);
}

const root = document.getElementById("app");
if (root) render(<Confirm />, root);
