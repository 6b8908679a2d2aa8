import type { SupportConversation, SupportMessage, SupportNote } from "@hatch/contract/support-frames";

export type Transcript = {
	conversation: SupportConversation;
	messages: SupportMessage[];
	notes: SupportNote[];
};

/**
 * A closed conversation as plain text: a header, then one line per message
 * (`[ISO time] Name: text`, the customer by name, support marked), then the
 * internal notes.
 */
export function transcriptText(t: Transcript): string {
	const c = t.conversation;
	const when = (ms: number) => new Date(ms).toISOString();
	const lines = [
		`Support conversation ${c.id}`,
		`Customer: ${c.customer.name} (#${c.customer.number})`,
		`Opened: ${when(c.created_at)}${c.closed_at ? `  Closed: ${when(c.closed_at)}` : ""}`,
		"",
		...t.messages.map(
			(m) =>
				`[${when(m.created_at)}] ${m.is_from_support ? `${m.sender_name || "Support"} (support)` : c.customer.name}: ${m.text}`,
		),
	];
	if (t.notes.length) {
		lines.push("", "Internal notes:");
		for (const n of t.notes) lines.push(`[${when(n.created_at)}] ${n.author.name}: ${n.text}`);
	}
	return `${lines.join("\n")}\n`;
}
