import type { SupportMessage } from "@hatch/contract/support-frames";

/** A support conversation's messages, oldest first, each saying who wrote it. */
export function Transcript({ messages, label }: { messages: SupportMessage[]; label: string }) {
	return (
		<ol class="messages" aria-label={label} data-testid="support-messages">
			{messages.map((m) => (
				<li key={m.seq} class={m.is_from_support ? "" : "mine"}>
					<span class="meta">
						{m.is_from_support ? `Support${m.sender_name ? ` (${m.sender_name})` : ""}` : "Customer"}
					</span>
					<div class="text">{m.text}</div>
				</li>
			))}
		</ol>
	);
}

/** Adds a message unless it is already there (the socket and the REST answer both bring it), in seq order. */
export function merge(list: SupportMessage[], m: SupportMessage): SupportMessage[] {
	if (list.some((x) => x.seq === m.seq)) return list;
	return [...list, m].sort((a, b) => a.seq - b.seq);
}
