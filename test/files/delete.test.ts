import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { files } from "../../src/db/schema";
import { attachFilesToMessage } from "../../src/domain/files/attach";
import { deleteFile } from "../../src/domain/files/manage";
import { newId } from "../../src/lib/ids";
import { api, errorCode } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { bytes, createChat, listR2Keys } from "./fixtures";

const db = () => createDb(env.DB);

async function upload(user: TestUser, size = 1000): Promise<string> {
	const res = await api("/v1/files?name=a.png", {
		method: "POST",
		headers: { ...user.auth, "Content-Type": "application/octet-stream" },
		body: bytes(size),
	});
	expect(res.status).toBe(201);
	return ((await res.json()) as { id: string }).id;
}

describe("DELETE /v1/files/:id", () => {
	it("removes the blob, keeps a tombstone row, and frees the quota", async () => {
		const alice = await createTestUser();
		const id = await upload(alice, 20 * 1024 * 1024);
		// 20 of 40 MiB used: another 21 MiB does not fit until the first file goes.
		const full = await api("/v1/files/uploads", {
			method: "POST",
			headers: alice.auth,
			json: { name: "b", size: 21 * 1024 * 1024 },
		});
		expect(await errorCode(full)).toBe("QUOTA_EXCEEDED");

		const res = await api(`/v1/files/${id}`, { method: "DELETE", headers: alice.auth });
		expect(res.status).toBe(204);
		expect(await listR2Keys(`files/${alice.id}/`)).toEqual([]);
		const [row] = await db().select().from(files).where(eq(files.id, id));
		expect(row?.status).toBe("deleted");
		expect(row?.deletedAt).toBeInstanceOf(Date);
		for (const path of [`/v1/files/${id}`, `/v1/files/${id}/metadata`]) {
			expect((await api(path, { headers: alice.auth })).status).toBe(404);
		}
		expect((await api(`/v1/files/${id}`, { method: "DELETE", headers: alice.auth })).status).toBe(404);
		const fits = await api("/v1/files/uploads", {
			method: "POST",
			headers: alice.auth,
			json: { name: "b", size: 21 * 1024 * 1024 },
		});
		expect(fits.status).toBe(201);
	});

	it("answers 404 to a stranger and 403 to a chat member who is not the uploader; the file stays", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const mallory = await createTestUser();
		const id = await upload(alice);
		const chatId = await createChat([{ id: alice.id }, { id: bob.id }]);
		await attachFilesToMessage(db(), { userId: alice.id, chatId, messageId: newId(), fileIds: [id] });

		let res = await api(`/v1/files/${id}`, { method: "DELETE", headers: mallory.auth });
		expect(res.status).toBe(404);
		expect(await errorCode(res)).toBe("NOT_FOUND");
		res = await api(`/v1/files/${id}`, { method: "DELETE", headers: bob.auth });
		expect(res.status).toBe(403);
		expect(await errorCode(res)).toBe("FORBIDDEN");
		expect((await api(`/v1/files/${id}`, { headers: bob.auth })).status).toBe(200);
		expect(await listR2Keys(`files/${alice.id}/`)).toHaveLength(1);
		expect((await api(`/v1/files/${id}`, { method: "DELETE" })).status).toBe(401);
	});
});

describe("deleteFile tombstones in chats", () => {
	it("tells every chat the file was shared in, once each, and survives a chat that fails", async () => {
		const alice = await createTestUser();
		const id = await upload(alice);
		const chatA = await createChat([{ id: alice.id }]);
		const chatB = await createChat([{ id: alice.id }]);
		for (const chatId of [chatA, chatA, chatB]) {
			await attachFilesToMessage(db(), { userId: alice.id, chatId, messageId: newId(), fileIds: [id] });
		}
		const told: [string, string][] = [];
		const errors: unknown[] = [];
		const out = await deleteFile(
			{
				db: db(),
				bucket: env.FILES,
				chatRoom: (chatId) => ({
					async markAttachmentDeleted(fileId: string) {
						told.push([chatId, fileId]);
						if (chatId === chatB) throw new Error("room unavailable");
						return 1;
					},
				}),
				log: { error: (msg: string, f?: unknown) => errors.push([msg, f]) } as never,
			},
			{ userId: alice.id, fileId: id },
		);
		expect(out).toEqual({ chats: 2 });
		expect(told.sort()).toEqual(
			[
				[chatA, id],
				[chatB, id],
			].sort(),
		);
		expect(errors).toHaveLength(1);
		expect(await listR2Keys(`files/${alice.id}/`)).toEqual([]);
	});
});
