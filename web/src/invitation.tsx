import type { ChatView } from "@hatch/contract/chats";
import { useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { errorText, hatch } from "./hatch.ts";

/** A pending invitation on screen: who asked, and accept or decline. */
export function Invitation({
	chat,
	onDone,
}: {
	chat: ChatView;
	onDone: (accepted: ChatView | null) => void;
}) {
	const [error, setError] = useState("");
	const answer = async (accept: boolean) => {
		setError("");
		try {
			await hatch.api.json("POST", `/v1/chats/${chat.id}/${accept ? "accept" : "reject"}`);
			onDone(accept ? await hatch.api.json<ChatView>("GET", `/v1/chats/${chat.id}`) : null);
		} catch (e) {
			setError(errorText(e));
		}
	};
	return (
		<main class="card stack" aria-label={`Invitation to ${chat.name ?? "a chat"}`} data-testid="invitation">
			<h2>{chat.name ?? "A chat"}</h2>
			<p>
				{chat.invited_by
					? `${chat.invited_by.display_name} invited you to this chat.`
					: "You are invited to this chat."}
			</p>
			<div class="row">
				<button type="button" onClick={() => answer(true)}>
					Accept
				</button>
				<button type="button" class="plain" onClick={() => answer(false)}>
					Decline
				</button>
			</div>
			<Alert text={error} />
		</main>
	);
}
