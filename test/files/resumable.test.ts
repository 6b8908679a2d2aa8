import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { files, fileUploadParts } from "../../src/db/schema";
import { api, errorCode } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { bytes, EXE, listR2Keys, sha256Hex } from "./fixtures";

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const octet = { "Content-Type": "application/octet-stream" };

type Upload = {
	id: string;
	size: number;
	part_size: number;
	part_count: number;
	parts: { part_number: number; size: number; checksum: string }[];
};

async function open(user: TestUser, size: number, name = "video.png"): Promise<Upload> {
	const res = await api("/v1/files/uploads", {
		method: "POST",
		headers: user.auth,
		json: { name, size, part_size: PART },
	});
	expect(res.status).toBe(201);
	return (await res.json()) as Upload;
}

function putPart(
	user: TestUser,
	id: string,
	n: number,
	body: BodyInit,
	headers: Record<string, string> = {},
) {
	return api(`/v1/files/uploads/${id}/parts/${n}`, {
		method: "PUT",
		headers: { ...user.auth, ...octet, ...headers },
		body,
		duplex: "half",
	} as RequestInit);
}

/** A body that delivers `sent` bytes of `data` and then fails, as a dropped connection does. */
function dropsAfter(data: Uint8Array, sent: number): ReadableStream<Uint8Array> {
	let at = 0;
	return new ReadableStream({
		pull(ctl) {
			if (at >= sent) return ctl.error(new Error("connection reset"));
			const end = Math.min(sent, at + 256 * 1024);
			ctl.enqueue(data.slice(at, end));
			at = end;
		},
	});
}

/** A body that ends cleanly after `sent` bytes: a client that sent less than the part. */
function endsAfter(data: Uint8Array, sent: number): ReadableStream<Uint8Array> {
	return new ReadableStream({
		start(ctl) {
			ctl.enqueue(data.slice(0, sent));
			ctl.close();
		},
	});
}

/** Proves R2 holds no multipart upload under this id any more: it refuses new parts. */
async function multipartGone(key: string, uploadId: string): Promise<boolean> {
	try {
		await env.FILES.resumeMultipartUpload(key, uploadId).uploadPart(1, new Uint8Array(10));
		return false;
	} catch {
		return true;
	}
}

const rowOf = async (id: string) => (await createDb(env.DB).select().from(files).where(eq(files.id, id)))[0];

describe("resumable uploads", () => {
	it("uploads in parts, resumes after an interrupted part, and completes into a ready file", async () => {
		const alice = await createTestUser();
		const data = bytes(2 * PART + MiB + 7);
		const up = await open(alice, data.length);
		expect(up).toMatchObject({ size: data.length, part_size: PART, part_count: 3, parts: [] });
		const slice = (n: number) => data.slice((n - 1) * PART, Math.min(data.length, n * PART));

		let res = await putPart(alice, up.id, 1, slice(1));
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ part_number: 1, size: PART, checksum: await sha256Hex(slice(1)) });

		// Part 2 is cut off mid-way, twice: once by a dropped connection, once by a short body.
		res = await putPart(alice, up.id, 2, dropsAfter(slice(2), 3 * MiB));
		expect(res.status).toBe(400);
		expect(await errorCode(res)).toBe("BODY_INCOMPLETE");
		res = await putPart(alice, up.id, 2, endsAfter(slice(2), 2 * MiB));
		expect(res.status).toBe(400);
		expect(await errorCode(res)).toBe("BODY_INCOMPLETE");

		// The client asks what arrived, and sends what did not.
		res = await api(`/v1/files/uploads/${up.id}`, { headers: alice.auth });
		expect(res.status).toBe(200);
		const state = (await res.json()) as Upload;
		expect(state.parts.map((p) => p.part_number)).toEqual([1]);

		res = await api(`/v1/files/uploads/${up.id}/complete`, { method: "POST", headers: alice.auth });
		expect(res.status).toBe(409);
		const incomplete = (await res.json()) as { error: { code: string; details: { missing: number[] } } };
		expect(incomplete.error.code).toBe("UPLOAD_INCOMPLETE");
		expect(incomplete.error.details.missing).toEqual([2, 3]);

		// Parts may arrive in any order.
		expect((await putPart(alice, up.id, 3, slice(3))).status).toBe(200);
		expect((await putPart(alice, up.id, 2, slice(2))).status).toBe(200);
		res = await api(`/v1/files/uploads/${up.id}/complete`, { method: "POST", headers: alice.auth });
		expect(res.status).toBe(201);
		const file = (await res.json()) as { id: string; size: number; checksum: string; content_type: string };
		expect(file).toMatchObject({
			id: up.id,
			size: data.length,
			content_type: "image/png",
			checksum: await sha256Hex(data),
		});

		res = await api(`/v1/files/${up.id}`, { headers: alice.auth });
		expect(res.status).toBe(200);
		expect(await sha256Hex(new Uint8Array(await res.arrayBuffer()))).toBe(file.checksum);
		res = await api(`/v1/files/${up.id}`, {
			headers: { ...alice.auth, Range: `bytes=${PART - 2}-${PART + 1}` },
		});
		expect(res.status).toBe(206);
		expect(new Uint8Array(await res.arrayBuffer())).toEqual(data.slice(PART - 2, PART + 2));
		// The part records are gone once the file is whole.
		expect(
			await createDb(env.DB).select().from(fileUploadParts).where(eq(fileUploadParts.fileId, up.id)),
		).toEqual([]);
		// A completed upload is no longer open.
		res = await api(`/v1/files/uploads/${up.id}`, { headers: alice.auth });
		expect(res.status).toBe(404);
	});

	it("keeps part 1's type when a later part, started before it, finishes after it", async () => {
		const alice = await createTestUser();
		const data = bytes(PART + 1000);
		const up = await open(alice, data.length);
		const part2 = data.slice(PART);
		let release = () => {};
		const gate = new Promise<void>((r) => {
			release = r;
		});
		let reading = () => {};
		const started = new Promise<void>((r) => {
			reading = r;
		});
		let step = 0;
		const slow = new ReadableStream<Uint8Array>({
			async pull(ctl) {
				if (step++ === 0) return ctl.enqueue(part2.slice(0, 500));
				reading(); // the Worker has read the upload row and the first bytes
				await gate;
				ctl.enqueue(part2.slice(500));
				ctl.close();
			},
		});
		const second = putPart(alice, up.id, 2, slow);
		await started;
		// Let the Worker read the upload row (type still unknown) before part 1 lands.
		await new Promise((r) => setTimeout(r, 300));
		expect((await putPart(alice, up.id, 1, data.slice(0, PART))).status).toBe(200);
		release();
		expect((await second).status).toBe(200);
		const res = await api(`/v1/files/uploads/${up.id}/complete`, { method: "POST", headers: alice.auth });
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({ content_type: "image/png", checksum: await sha256Hex(data) });
	});

	it("replaces a part sent twice", async () => {
		const alice = await createTestUser();
		const data = bytes(1000);
		const up = await open(alice, 1000);
		expect(up.part_count).toBe(1);
		expect((await putPart(alice, up.id, 1, bytes(1000, new Uint8Array([0xff, 0xd8, 0xff])))).status).toBe(
			200,
		);
		expect((await putPart(alice, up.id, 1, data)).status).toBe(200);
		const res = await api(`/v1/files/uploads/${up.id}/complete`, { method: "POST", headers: alice.auth });
		expect(await res.json()).toMatchObject({ content_type: "image/png", checksum: await sha256Hex(data) });
	});

	it("rejects a part of the wrong size or number, storing nothing for it", async () => {
		const alice = await createTestUser();
		const up = await open(alice, PART + 10);
		let res = await putPart(alice, up.id, 1, bytes(PART - 1));
		expect(res.status).toBe(400);
		expect(await errorCode(res)).toBe("PART_SIZE_MISMATCH");
		// No Content-Length to check up front: the stream is counted and cut at the limit.
		const tooLong = bytes(PART + 100);
		res = await putPart(alice, up.id, 1, endsAfter(tooLong, tooLong.length));
		expect(res.status).toBe(400);
		expect(await errorCode(res)).toBe("PART_SIZE_MISMATCH");
		res = await putPart(alice, up.id, 3, bytes(10));
		expect(res.status).toBe(400);
		expect(await errorCode(res)).toBe("VALIDATION_FAILED");
		const state = (await (await api(`/v1/files/uploads/${up.id}`, { headers: alice.auth })).json()) as Upload;
		expect(state.parts).toEqual([]);
	});

	it("aborts the whole upload when part 1 is a disguised executable (415), leaving nothing in D1 or R2", async () => {
		const alice = await createTestUser();
		const up = await open(alice, 2000, "cute-cat.png");
		const row = await rowOf(up.id);
		const res = await putPart(alice, up.id, 1, bytes(2000, EXE));
		expect(res.status).toBe(415);
		expect(await errorCode(res)).toBe("UNSUPPORTED_FILE_TYPE");
		expect(await rowOf(up.id)).toBeUndefined();
		expect(await multipartGone(row?.r2Key as string, row?.uploadId as string)).toBe(true);
		expect(await listR2Keys(`files/${alice.id}/`)).toEqual([]);
		expect((await api(`/v1/files/uploads/${up.id}`, { headers: alice.auth })).status).toBe(404);
	});

	it("aborts on request: R2 drops the parts and no row is left", async () => {
		const alice = await createTestUser();
		const up = await open(alice, PART + 10);
		expect((await putPart(alice, up.id, 1, bytes(PART))).status).toBe(200);
		const row = await rowOf(up.id);
		const res = await api(`/v1/files/uploads/${up.id}`, { method: "DELETE", headers: alice.auth });
		expect(res.status).toBe(204);
		expect(await rowOf(up.id)).toBeUndefined();
		expect(
			await createDb(env.DB).select().from(fileUploadParts).where(eq(fileUploadParts.fileId, up.id)),
		).toEqual([]);
		expect(await multipartGone(row?.r2Key as string, row?.uploadId as string)).toBe(true);
		expect(await listR2Keys(`files/${alice.id}/`)).toEqual([]);
		expect((await api(`/v1/files/uploads/${up.id}`, { method: "DELETE", headers: alice.auth })).status).toBe(
			404,
		);
	});

	it("checks the declared size against the limits at creation, and reserves it from the quota", async () => {
		const alice = await createTestUser();
		let res = await api("/v1/files/uploads", {
			method: "POST",
			headers: alice.auth,
			json: { name: "x", size: 24 * MiB + 1 },
		});
		expect(res.status).toBe(413);
		expect(await errorCode(res)).toBe("FILE_TOO_LARGE");

		const big = await open(alice, 24 * MiB);
		await open(alice, 10 * MiB);
		// 34 of 40 MiB reserved: neither a third upload nor a plain one of 7 MiB fits.
		res = await api("/v1/files/uploads", {
			method: "POST",
			headers: alice.auth,
			json: { name: "x", size: 7 * MiB },
		});
		expect(res.status).toBe(413);
		expect(await errorCode(res)).toBe("QUOTA_EXCEEDED");
		res = await api("/v1/files?name=a.png", {
			method: "POST",
			headers: { ...alice.auth, ...octet },
			body: bytes(7 * MiB),
		});
		expect(await errorCode(res)).toBe("QUOTA_EXCEEDED");
		expect(await createDb(env.DB).select().from(files).where(eq(files.ownerId, alice.id))).toHaveLength(2);

		// Aborting releases the reservation.
		expect((await api(`/v1/files/uploads/${big.id}`, { method: "DELETE", headers: alice.auth })).status).toBe(
			204,
		);
		res = await api("/v1/files?name=a.png", {
			method: "POST",
			headers: { ...alice.auth, ...octet },
			body: bytes(7 * MiB),
		});
		expect(res.status).toBe(201);
		const list = await api("/v1/files?status=uploading", { headers: alice.auth });
		expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(1);
	});

	it("completes on a retry after R2 finished but the first attempt did not record it", async () => {
		const alice = await createTestUser();
		const data = bytes(3000);
		const up = await open(alice, data.length);
		expect((await putPart(alice, up.id, 1, data)).status).toBe(200);
		const row = await rowOf(up.id);
		const parts = await createDb(env.DB)
			.select()
			.from(fileUploadParts)
			.where(eq(fileUploadParts.fileId, up.id));
		// As if a first /complete died between R2 and D1.
		await env.FILES.resumeMultipartUpload(row?.r2Key as string, row?.uploadId as string).complete(
			parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
		);
		const res = await api(`/v1/files/uploads/${up.id}/complete`, { method: "POST", headers: alice.auth });
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({ size: 3000, checksum: await sha256Hex(data) });
	});

	it("expires an upload after 7 days: 410, and its parts and row are cleaned up", async () => {
		const alice = await createTestUser();
		const up = await open(alice, 1000);
		const row = await rowOf(up.id);
		await createDb(env.DB)
			.update(files)
			.set({ createdAt: new Date(Date.now() - 8 * 24 * 3600 * 1000) })
			.where(eq(files.id, up.id));
		const res = await putPart(alice, up.id, 1, bytes(1000));
		expect(res.status).toBe(410);
		expect(await errorCode(res)).toBe("UPLOAD_EXPIRED");
		expect(await rowOf(up.id)).toBeUndefined();
		expect(await multipartGone(row?.r2Key as string, row?.uploadId as string)).toBe(true);
		expect((await api(`/v1/files/uploads/${up.id}`, { headers: alice.auth })).status).toBe(404);
	});

	it("validates the request", async () => {
		const alice = await createTestUser();
		for (const json of [
			{ name: "x", size: 0 },
			{ name: "", size: 10 },
			{ name: "x", size: 10, part_size: 1024 },
			{ name: "x", size: 1.5 },
			{ size: 10 },
		]) {
			const res = await api("/v1/files/uploads", { method: "POST", headers: alice.auth, json });
			expect(res.status, JSON.stringify(json)).toBe(400);
			expect(await errorCode(res)).toBe("VALIDATION_FAILED");
		}
		expect(await createDb(env.DB).select().from(files).where(eq(files.ownerId, alice.id))).toEqual([]);
	});

	it("hides an upload from everyone else with 404", async () => {
		const alice = await createTestUser();
		const mallory = await createTestUser();
		const up = await open(alice, 1000);
		expect((await putPart(alice, up.id, 1, bytes(1000))).status).toBe(200);
		const attempts = [
			api(`/v1/files/uploads/${up.id}`, { headers: mallory.auth }),
			putPart(mallory, up.id, 1, bytes(1000)),
			api(`/v1/files/uploads/${up.id}/complete`, { method: "POST", headers: mallory.auth }),
			api(`/v1/files/uploads/${up.id}`, { method: "DELETE", headers: mallory.auth }),
			api(`/v1/files/${up.id}`, { headers: mallory.auth }),
		];
		for (const res of await Promise.all(attempts)) {
			expect(res.status).toBe(404);
			expect(await errorCode(res)).toBe("NOT_FOUND");
		}
		const res = await api(`/v1/files/uploads/${up.id}/complete`, { method: "POST", headers: alice.auth });
		expect(res.status).toBe(201);
		const none = await api("/v1/files/uploads", { method: "POST", json: { name: "x", size: 10 } });
		expect(none.status).toBe(401);
	});
});
