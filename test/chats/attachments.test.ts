import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomOf } from "../../src/domain/chats/deps";
import { newId } from "../../src/lib/ids";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";
import { openDirect } from "./helpers";

/** A ready file row, as the files area leaves it after an upload. */
async function readyFile(ownerId: string, name = "photo.jpg") {
	const id = newId();
	await env.DB.prepare(
		"INSERT INTO files (id, owner_id, r2_key, name, size, content_type, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'ready', ?)",
	)
		.bind(id, ownerId, `test/${id}`, name, 1234, "image/jpeg", Date.now())
		.run();
	return id;
}

type Att = { file_id: string; name: string; deleted: boolean };

describe("attachments", () => {
	it("a message carries the sender's files; deleting a file tombstones it in every message, live", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const { chat } = await openDirect(alice, bob);
		const f1 = await readyFile(alice.id, "a.jpg");
		const f2 = await readyFile(alice.id, "b.jpg");
		const res = await api(`/v1/chats/${chat.id}/messages`, {
			method: "POST",
			headers: alice.auth,
			json: { client_id: "att-1", text: "pics", attachments: [f1, f2] },
		});
		expect(res.status).toBe(201);
		const { message } = (await res.json()) as { message: { seq: number; attachments: Att[] } };
		expect(message.attachments).toEqual([
			{ file_id: f1, name: "a.jpg", size: 1234, content_type: "image/jpeg", deleted: false },
			{ file_id: f2, name: "b.jpg", size: 1234, content_type: "image/jpeg", deleted: false },
		]);
		const link = await env.DB.prepare("SELECT chat_id FROM file_attachments WHERE file_id = ?")
			.bind(f1)
			.first<{ chat_id: string }>();
		expect(link?.chat_id).toBe(chat.id);
		const second = await api(`/v1/chats/${chat.id}/messages`, {
			method: "POST",
			headers: alice.auth,
			json: { client_id: "att-2", text: "again", attachments: [f1] },
		});
		expect(second.status).toBe(201);

		const b = await WsClient.connect(bob);
		await b.request({ type: "chat.subscribe", chat_id: chat.id, after_seq: 2 });
		expect(await roomOf(env, chat.id).markAttachmentDeleted(f1)).toBe(2);
		const upd = await b.waitFor((f) => f.type === "message.updated" && f.seq === 1);
		expect((upd.message as { attachments: Att[] }).attachments.map((a) => [a.file_id, a.deleted])).toEqual([
			[f1, true],
			[f2, false],
		]);
		await b.waitFor((f) => f.type === "message.updated" && f.seq === 2);
		const page = (await (await api(`/v1/chats/${chat.id}/messages`, { headers: bob.auth })).json()) as {
			items: { attachments: Att[] }[];
		};
		expect(page.items[0]?.attachments[0]?.deleted).toBe(true);
		b.close();
	});

	it("someone else's file cannot be attached, and nothing is sent", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const eve = await createTestUser();
		const { chat } = await openDirect(alice, bob);
		const evesFile = await readyFile(eve.id);
		const res = await api(`/v1/chats/${chat.id}/messages`, {
			method: "POST",
			headers: alice.auth,
			json: { client_id: "steal", text: "look", attachments: [evesFile] },
		});
		expect(await errorCode(res)).toBe("FILE_NOT_FOUND");
		const page = (await (await api(`/v1/chats/${chat.id}/messages`, { headers: alice.auth })).json()) as {
			items: unknown[];
		};
		expect(page.items).toHaveLength(0);
	});
});
