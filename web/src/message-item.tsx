import type { Message, OutgoingRequest } from "@hatch/client";
import { useState } from "preact/hooks";
import { Attachment } from "./attachment.tsx";

/** One message: text, attachments, edited/deleted marks, receipt status, and edit/delete for my own. */
export function MessageItem({
	m,
	mine,
	status,
	act,
}: {
	m: Message;
	mine: boolean;
	status: string | null;
	act: (frame: OutgoingRequest) => void;
}) {
	const [editing, setEditing] = useState(false);
	if (m.deleted)
		return (
			<li class={mine ? "mine" : ""}>
				<em class="muted">Message deleted</em>
			</li>
		);
	return (
		<li class={mine ? "mine" : ""} data-seq={m.seq}>
			{m.reply_to && <div class="meta">↪ reply to #{m.reply_to}</div>}
			{editing ? (
				<form
					onSubmit={(ev) => {
						ev.preventDefault();
						const text = String(new FormData(ev.currentTarget as HTMLFormElement).get("text") ?? "").trim();
						if (text) act({ type: "message.edit", chat_id: m.chat_id, seq: m.seq, text });
						setEditing(false);
					}}
				>
					<label class="visually-hidden" for={`edit-${m.seq}`}>
						Edit message
					</label>
					<input id={`edit-${m.seq}`} name="text" defaultValue={m.text} />
					<button type="submit">Save</button>
				</form>
			) : (
				<div class="text">{m.text}</div>
			)}
			{m.attachments.map((a) => (
				<Attachment key={a.file_id} a={a} />
			))}
			<div class="meta">
				{new Date(m.created_at).toLocaleTimeString()}
				{m.edited_at && " · edited"}
				{status && <span data-testid="status"> · {status}</span>}
				{mine && !editing && (
					<>
						<button type="button" class="plain" onClick={() => setEditing(true)}>
							Edit
						</button>
						<button
							type="button"
							class="plain"
							onClick={() => act({ type: "message.delete", chat_id: m.chat_id, seq: m.seq })}
						>
							Delete
						</button>
					</>
				)}
			</div>
		</li>
	);
}
