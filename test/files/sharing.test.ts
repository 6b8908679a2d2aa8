import { describe, expect, it } from "vitest";
import { accept, createGroup, openDirect, send } from "../chats/helpers";
import { api, errorCode } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { bytes } from "./fixtures";

type Attachment = { file_id: string; name: string; size: number; content_type: string; deleted: boolean };
type Message = { seq: number; attachments: Attachment[] };

async function upload(user: TestUser, size = 4096): Promise<{ id: string; name: string }> {
	const res = await api("/v1/files?name=plan.png", {
		method: "POST",
		headers: { ...user.auth, "Content-Type": "application/octet-stream" },
		body: bytes(size),
	});
	expect(res.status).toBe(201);
	return (await res.json()) as { id: string; name: string };
}

const fetchStatus = async (user: TestUser, id: string) => {
	const res = await api(`/v1/files/${id}`, { headers: user.auth });
	await res.arrayBuffer();
	return res.status;
};

async function message(user: TestUser, chatId: string, seq: number): Promise<Message> {
	const res = await api(`/v1/chats/${chatId}/messages/${seq}`, { headers: user.auth });
	expect(res.status).toBe(200);
	const body = (await res.json()) as { message: Message };
	return body.message;
}

describe("sharing files through messages (with the real ChatRoom)", () => {
	it("attaching shares the file with the chat; deleting it tombstones the message", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const carol = await createTestUser();
		const file = await upload(alice);
		const { chat } = await openDirect(alice, bob);
		expect(await fetchStatus(bob, file.id)).toBe(404);

		const sent = (await send(alice, chat.id, "the plan", { attachments: [file.id] })) as unknown as Message;
		expect(sent.attachments).toEqual([
			{ file_id: file.id, name: "plan.png", size: 4096, content_type: "image/png", deleted: false },
		]);
		expect(await fetchStatus(bob, file.id)).toBe(200);
		expect(await fetchStatus(carol, file.id)).toBe(404);

		// Bob may forward what was shared with him; Carol then sees it too.
		const { chat: bobCarol } = await openDirect(bob, carol);
		await send(bob, bobCarol.id, "fyi", { attachments: [file.id] });
		expect(await fetchStatus(carol, file.id)).toBe(200);
		// Carol cannot delete it, and cannot attach a file she cannot see.
		expect((await api(`/v1/files/${file.id}`, { method: "DELETE", headers: carol.auth })).status).toBe(403);

		const res = await api(`/v1/files/${file.id}`, { method: "DELETE", headers: alice.auth });
		expect(res.status).toBe(204);
		expect((await message(bob, chat.id, sent.seq)).attachments).toEqual([
			{ ...sent.attachments[0], deleted: true },
		]);
		const forwarded = (await (
			await api(`/v1/chats/${bobCarol.id}/messages`, { headers: carol.auth })
		).json()) as {
			items: Message[];
		};
		expect(forwarded.items[0]?.attachments[0]?.deleted).toBe(true);
		for (const who of [alice, bob, carol]) expect(await fetchStatus(who, file.id)).toBe(404);
		// A deleted file cannot be attached again.
		const again = await api(`/v1/chats/${chat.id}/messages`, {
			method: "POST",
			headers: alice.auth,
			json: { client_id: "again", text: "x", attachments: [file.id] },
		});
		expect(await errorCode(again)).toBe("FILE_NOT_FOUND");
	});

	it("refuses to attach someone else's file, and an invitee sees shared files only after accepting", async () => {
		const alice = await createTestUser();
		const mallory = await createTestUser();
		const dave = await createTestUser();
		const file = await upload(alice);
		const { chat } = await openDirect(mallory, alice);
		const stolen = await api(`/v1/chats/${chat.id}/messages`, {
			method: "POST",
			headers: mallory.auth,
			json: { client_id: "steal", text: "mine now", attachments: [file.id] },
		});
		expect(stolen.status).toBe(404);
		expect(await errorCode(stolen)).toBe("FILE_NOT_FOUND");
		expect(await fetchStatus(mallory, file.id)).toBe(404);

		const group = await createGroup(alice, "Team", [dave.id]);
		await send(alice, group.id, "doc", { attachments: [file.id] });
		expect(await fetchStatus(dave, file.id)).toBe(404);
		await accept(dave, group.id);
		expect(await fetchStatus(dave, file.id)).toBe(200);
		// Leaving the group ends access.
		expect(
			(await api(`/v1/chats/${group.id}/leave`, { method: "POST", headers: dave.auth })).status,
		).toBeLessThan(300);
		expect(await fetchStatus(dave, file.id)).toBe(404);
	});
});
