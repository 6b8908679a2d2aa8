import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { fileAttachments, files } from "../../src/db/schema";
import { attachFilesToMessage } from "../../src/domain/files/attach";
import { ApiError } from "../../src/errors";
import { newId } from "../../src/lib/ids";
import { createTestUser } from "../helpers/users";
import { createChat, insertReadyFile } from "./fixtures";

const db = () => createDb(env.DB);

async function rejection(p: Promise<unknown>): Promise<ApiError> {
	const err = await p.then(
		() => undefined,
		(e: unknown) => e,
	);
	if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
	return err;
}

describe("attachFilesToMessage", () => {
	it("links the sender's files and returns their summaries in order", async () => {
		const alice = await createTestUser();
		const chatId = await createChat([{ id: alice.id }]);
		const a = await insertReadyFile(alice.id, undefined, "a.png");
		const b = await insertReadyFile(alice.id, undefined, "b.png");
		const messageId = newId();
		const out = await attachFilesToMessage(db(), { userId: alice.id, chatId, messageId, fileIds: [b, a, b] });
		expect(out).toEqual([
			{ id: b, name: "b.png", size: 16, content_type: "image/png" },
			{ id: a, name: "a.png", size: 16, content_type: "image/png" },
		]);
		const links = await db().select().from(fileAttachments).where(eq(fileAttachments.messageId, messageId));
		expect(links.map((l) => l.fileId).sort()).toEqual([a, b].sort());
		// Sending the same message again (idempotent send) links nothing twice.
		await attachFilesToMessage(db(), { userId: alice.id, chatId, messageId, fileIds: [a] });
		expect(
			await db().select().from(fileAttachments).where(eq(fileAttachments.messageId, messageId)),
		).toHaveLength(2);
	});

	it("lets a member forward a file shared with them into another chat", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const shared = await createChat([{ id: alice.id }, { id: bob.id }]);
		const other = await createChat([{ id: bob.id }]);
		const fileId = await insertReadyFile(alice.id);
		await attachFilesToMessage(db(), {
			userId: alice.id,
			chatId: shared,
			messageId: newId(),
			fileIds: [fileId],
		});
		const out = await attachFilesToMessage(db(), {
			userId: bob.id,
			chatId: other,
			messageId: newId(),
			fileIds: [fileId],
		});
		expect(out[0]?.id).toBe(fileId);
	});

	it("refuses someone else's file, an unknown id, an unfinished or deleted file, and links nothing", async () => {
		const alice = await createTestUser();
		const mallory = await createTestUser();
		const invited = await createTestUser();
		const chatId = await createChat([{ id: mallory.id }, { id: invited.id, status: "invited" }]);
		const alices = await insertReadyFile(alice.id);
		const mine = await insertReadyFile(mallory.id);
		const deleted = await insertReadyFile(mallory.id);
		await db().update(files).set({ status: "deleted", deletedAt: new Date() }).where(eq(files.id, deleted));
		const uploading = await insertReadyFile(mallory.id);
		await db().update(files).set({ status: "uploading" }).where(eq(files.id, uploading));

		for (const bad of [alices, newId(), deleted, uploading]) {
			const messageId = newId();
			const err = await rejection(
				attachFilesToMessage(db(), { userId: mallory.id, chatId, messageId, fileIds: [mine, bad] }),
			);
			expect(err.code).toBe("FILE_NOT_FOUND");
			expect(err.status).toBe(404);
			expect(err.details).toEqual({ fileId: bad });
			expect(
				await db().select().from(fileAttachments).where(eq(fileAttachments.messageId, messageId)),
			).toEqual([]);
		}
		// Attached in a chat where they are only invited: still not theirs to forward.
		await attachFilesToMessage(db(), { userId: mallory.id, chatId, messageId: newId(), fileIds: [mine] });
		const err = await rejection(
			attachFilesToMessage(db(), { userId: invited.id, chatId, messageId: newId(), fileIds: [mine] }),
		);
		expect(err.code).toBe("FILE_NOT_FOUND");
	});

	it("caps the number of files per message", async () => {
		const alice = await createTestUser();
		const chatId = await createChat([{ id: alice.id }]);
		const ids = Array.from({ length: 11 }, () => newId());
		const err = await rejection(
			attachFilesToMessage(db(), { userId: alice.id, chatId, messageId: newId(), fileIds: ids }),
		);
		expect(err.code).toBe("VALIDATION_FAILED");
	});
});
