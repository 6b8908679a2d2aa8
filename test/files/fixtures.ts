import { env } from "cloudflare:test";
import { createDb } from "../../src/db/client";
import { chatMembers, chats, files } from "../../src/db/schema";
import { newId } from "../../src/lib/ids";

/** Bytes that sniff as each type, for tests. */
export const PNG = Uint8Array.from([
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82,
]);
export const EXE = new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00]);

/** `size` bytes starting with `head`, filled with a pattern so ranges are checkable. */
export function bytes(size: number, head: Uint8Array = PNG): Uint8Array {
	const out = new Uint8Array(size);
	for (let i = 0; i < size; i++) out[i] = (i * 7 + (i >> 8)) & 0xff;
	out.set(head.subarray(0, Math.min(head.length, size)));
	return out;
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
	const d = await crypto.subtle.digest("SHA-256", data);
	return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A chat with these members straight in D1 (messaging owns the real API). */
export async function createChat(members: { id: string; status?: "active" | "invited" }[]): Promise<string> {
	const db = createDb(env.DB);
	const id = newId();
	const now = new Date();
	await db.insert(chats).values({ id, kind: "group", name: "t", createdAt: now, updatedAt: now });
	await db
		.insert(chatMembers)
		.values(members.map((m) => ({ chatId: id, userId: m.id, status: m.status ?? "active" })));
	return id;
}

/** A ready file row whose blob is in R2, without going through the API. */
export async function insertReadyFile(ownerId: string, content: Uint8Array = PNG, name = "a.png") {
	const id = newId();
	const r2Key = `files/${ownerId}/${id}`;
	await env.FILES.put(r2Key, content);
	await createDb(env.DB)
		.insert(files)
		.values({
			id,
			ownerId,
			r2Key,
			name,
			size: content.length,
			contentType: "image/png",
			sha256: await sha256Hex(content),
			status: "ready",
			createdAt: new Date(),
		});
	return id;
}

/** Every object key in the FILES bucket. */
export async function listR2Keys(prefix?: string): Promise<string[]> {
	const keys: string[] = [];
	let cursor: string | undefined;
	do {
		const page = await env.FILES.list({ prefix, cursor });
		keys.push(...page.objects.map((o) => o.key));
		cursor = page.truncated ? page.cursor : undefined;
	} while (cursor);
	return keys;
}
