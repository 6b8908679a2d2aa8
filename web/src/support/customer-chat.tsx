import type { SupportMessage } from "@hatch/contract/support-frames";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { errorText, hatch } from "../hatch.ts";
import { openDesk } from "./desk-socket.ts";
import { merge, Transcript } from "./transcript.tsx";

/** The customer's side: one conversation with support, live over the desk socket. */
export function CustomerChat() {
	const [messages, setMessages] = useState<SupportMessage[]>([]);
	const [error, setError] = useState("");
	const load = () =>
		hatch.api
			.json<{ messages: SupportMessage[] }>("GET", "/v1/support/conversation")
			.then((r) => setMessages(r.messages))
			.catch((e) => setError(errorText(e)));
	useEffect(
		() =>
			openDesk(
				(e) => {
					if (e.type === "support.message") setMessages((ms) => merge(ms, e.message));
				},
				() => void load(),
			),
		[],
	);
	return (
		<section class="card stack" aria-labelledby="support-h">
			<h2 id="support-h">Chat with support</h2>
			{messages.length === 0 && <p class="muted">Ask us anything; an operator will answer here.</p>}
			<Transcript messages={messages} label="Conversation with support" />
			<form
				class="row"
				aria-label="Write to support"
				onSubmit={async (ev) => {
					ev.preventDefault();
					const form = ev.currentTarget as HTMLFormElement;
					const text = String(new FormData(form).get("text") ?? "").trim();
					if (!text) return;
					setError("");
					try {
						const r = await hatch.api.json<{ message: SupportMessage }>("POST", "/v1/support/messages", {
							body: { text, client_id: crypto.randomUUID() },
						});
						setMessages((ms) => merge(ms, r.message));
						form.reset();
					} catch (e) {
						setError(errorText(e));
					}
				}}
			>
				<label for="support-text">Message to support</label>
				<input id="support-text" name="text" required maxLength={4000} />
				<button type="submit">Send to support</button>
			</form>
			<Alert text={error} />
		</section>
	);
}
