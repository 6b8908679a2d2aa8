import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { attachFilesToMessage } from "../../src/domain/files/attach";
import { newId } from "../../src/lib/ids";
import { api, errorCode } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { bytes, createChat, sha256Hex } from "./fixtures";

type Info = { id: string; name: string; size: number; checksum: string; content_type: string };

async function upload(user: TestUser, data: Uint8Array | string, name = "photo.png"): Promise<Info> {
	const res = await api(`/v1/files?name=${encodeURIComponent(name)}`, {
		method: "POST",
		headers: { ...user.auth, "Content-Type": "application/octet-stream" },
		body: data,
	});
	expect(res.status).toBe(201);
	return (await res.json()) as Info;
}

const body = async (res: Response) => new Uint8Array(await res.arrayBuffer());

describe("GET /v1/files/:id", () => {
	it("streams the file with its headers, at both download paths", async () => {
		const alice = await createTestUser();
		const data = bytes(10_000);
		const file = await upload(alice, data);
		for (const path of [`/v1/files/${file.id}`, `/v1/files/${file.id}/content`]) {
			const res = await api(path, { headers: alice.auth });
			expect(res.status).toBe(200);
			expect(await body(res)).toEqual(data);
			expect(res.headers.get("Content-Type")).toBe("image/png");
			expect(res.headers.get("Content-Length")).toBe("10000");
			expect(res.headers.get("ETag")).toBe(`"${await sha256Hex(data)}"`);
			expect(res.headers.get("Accept-Ranges")).toBe("bytes");
			expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
			expect(res.headers.get("Cache-Control")).toBe("private, no-cache");
			expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="photo.png"');
			expect(res.headers.get("Content-Security-Policy")).toContain("sandbox");
		}
	});

	it("encodes a non-ASCII name per RFC 6266 and grants inline only to safe media", async () => {
		const alice = await createTestUser();
		const pic = await upload(alice, bytes(100), "отчёт 1.png");
		let res = await api(`/v1/files/${pic.id}?disposition=inline`, { headers: alice.auth });
		expect(res.headers.get("Content-Disposition")).toBe(
			"inline; filename=\"_____ 1.png\"; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82%201.png",
		);
		expect(res.status).toBe(200);
		await res.arrayBuffer();
		const zip = await upload(alice, bytes(100, new Uint8Array([0x50, 0x4b, 0x03, 0x04])), "a.zip");
		expect(zip.content_type).toBe("application/zip");
		res = await api(`/v1/files/${zip.id}?disposition=inline`, { headers: alice.auth });
		expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="a.zip"');
		await res.arrayBuffer();
		// Markup is sniffed as what it is (and this deployment does not accept it), whatever its name.
		const html = await api("/v1/files?name=notes.txt", {
			method: "POST",
			headers: { ...alice.auth, "Content-Type": "text/plain" },
			body: "<!doctype html><script>alert(1)</script>",
		});
		expect(html.status).toBe(415);
		expect(await errorCode(html)).toBe("UNSUPPORTED_FILE_TYPE");
	});

	it("never shows a PDF inline, and sandboxes it like every download", async () => {
		const alice = await createTestUser();
		const pdf = await upload(alice, "%PDF-1.7\n% test\n", "doc.pdf");
		expect(pdf.content_type).toBe("application/pdf");
		for (const q of ["?disposition=inline", ""]) {
			const res = await api(`/v1/files/${pdf.id}${q}`, { headers: alice.auth });
			expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="doc.pdf"');
			expect(res.headers.get("Content-Security-Policy")).toBe("default-src 'none'; sandbox");
			expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
			await res.arrayBuffer();
		}
	});

	it("answers If-None-Match with 304 and no body", async () => {
		const alice = await createTestUser();
		const file = await upload(alice, bytes(500));
		const etag = `"${file.checksum}"`;
		for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
			const res = await api(`/v1/files/${file.id}`, { headers: { ...alice.auth, "If-None-Match": inm } });
			expect(res.status).toBe(304);
			expect(res.headers.get("ETag")).toBe(etag);
			expect((await res.arrayBuffer()).byteLength).toBe(0);
		}
		const res = await api(`/v1/files/${file.id}`, { headers: { ...alice.auth, "If-None-Match": '"stale"' } });
		expect(res.status).toBe(200);
		expect((await body(res)).length).toBe(500);
	});

	it("serves single byte ranges with 206", async () => {
		const alice = await createTestUser();
		const data = bytes(1000);
		const file = await upload(alice, data);
		const cases: [string, number, number][] = [
			["bytes=0-99", 0, 99],
			["bytes=900-", 900, 999],
			["bytes=-10", 990, 999],
			["bytes=995-5000", 995, 999],
			["bytes=-5000", 0, 999],
		];
		for (const [range, start, end] of cases) {
			const res = await api(`/v1/files/${file.id}`, { headers: { ...alice.auth, Range: range } });
			expect(res.status, range).toBe(206);
			expect(res.headers.get("Content-Range")).toBe(`bytes ${start}-${end}/1000`);
			expect(res.headers.get("Content-Length")).toBe(String(end - start + 1));
			expect(await body(res)).toEqual(data.slice(start, end + 1));
		}
	});

	it("answers 416 to an unsatisfiable range and the whole file to several or malformed ranges", async () => {
		const alice = await createTestUser();
		const data = bytes(1000);
		const file = await upload(alice, data);
		for (const range of ["bytes=1000-", "bytes=5000-6000", "bytes=-0"]) {
			const res = await api(`/v1/files/${file.id}`, { headers: { ...alice.auth, Range: range } });
			expect(res.status, range).toBe(416);
			expect(res.headers.get("Content-Range")).toBe("bytes */1000");
			expect(await errorCode(res)).toBe("RANGE_NOT_SATISFIABLE");
		}
		for (const range of ["bytes=0-1,5-6", "items=0-5", "bytes=9-3"]) {
			const res = await api(`/v1/files/${file.id}`, { headers: { ...alice.auth, Range: range } });
			expect(res.status, range).toBe(200);
			expect(await body(res)).toEqual(data);
		}
	});

	it("honours If-Range: a stale tag gets the whole file", async () => {
		const alice = await createTestUser();
		const data = bytes(300);
		const file = await upload(alice, data);
		const fresh = await api(`/v1/files/${file.id}`, {
			headers: { ...alice.auth, Range: "bytes=0-9", "If-Range": `"${file.checksum}"` },
		});
		expect(fresh.status).toBe(206);
		await fresh.arrayBuffer();
		const stale = await api(`/v1/files/${file.id}`, {
			headers: { ...alice.auth, Range: "bytes=0-9", "If-Range": '"old"' },
		});
		expect(stale.status).toBe(200);
		expect((await body(stale)).length).toBe(300);
	});

	it("answers HEAD with the headers only", async () => {
		const alice = await createTestUser();
		const file = await upload(alice, bytes(777));
		const res = await api(`/v1/files/${file.id}`, { method: "HEAD", headers: alice.auth });
		expect(res.status).toBe(200);
		expect(res.headers.get("Content-Length")).toBe("777");
		expect((await res.arrayBuffer()).byteLength).toBe(0);
	});
});

describe("metadata and listing", () => {
	it("returns a file's metadata", async () => {
		const alice = await createTestUser();
		const file = await upload(alice, bytes(42), "m.png");
		const res = await api(`/v1/files/${file.id}/metadata`, { headers: alice.auth });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ ...file });
	});

	it("lists my own files newest first with cursor pagination, and nobody else's", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const mine: string[] = [];
		for (let i = 0; i < 5; i++) mine.push((await upload(alice, bytes(10 + i), `f${i}.png`)).id);
		await upload(bob, bytes(10), "bob.png");
		const seen: string[] = [];
		let token: string | null = null;
		let pages = 0;
		do {
			const q: string = token ? `&page_token=${token}` : "";
			const res = await api(`/v1/files?page_size=2${q}`, { headers: alice.auth });
			expect(res.status).toBe(200);
			const page = (await res.json()) as { items: Info[]; page_token: string | null };
			expect(page.items.length).toBeLessThanOrEqual(2);
			seen.push(...page.items.map((f) => f.id));
			token = page.page_token;
			pages++;
		} while (token && pages < 10);
		expect(pages).toBe(3);
		expect(seen).toEqual([...mine].reverse());
	});

	it("rejects a bad page size or token", async () => {
		const alice = await createTestUser();
		for (const q of ["page_size=0", "page_size=101", "page_token=nope", "status=deleted"]) {
			const res = await api(`/v1/files?${q}`, { headers: alice.auth });
			expect(res.status, q).toBe(400);
			expect(await errorCode(res)).toBe("VALIDATION_FAILED");
		}
	});
});

describe("who may read a file", () => {
	it("hides a file from everyone but its uploader with 404, on every path", async () => {
		const alice = await createTestUser();
		const mallory = await createTestUser();
		const file = await upload(alice, bytes(100));
		for (const path of [
			`/v1/files/${file.id}`,
			`/v1/files/${file.id}/content`,
			`/v1/files/${file.id}/metadata`,
		]) {
			const res = await api(path, { headers: mallory.auth });
			expect(res.status, path).toBe(404);
			expect(await errorCode(res)).toBe("NOT_FOUND");
			// Exactly what an id that never existed gets.
			const none = await api(path.replace(file.id, newId()), { headers: mallory.auth });
			expect(none.status).toBe(404);
			expect(await errorCode(none)).toBe("NOT_FOUND");
		}
		const list = (await (await api("/v1/files", { headers: mallory.auth })).json()) as { items: Info[] };
		expect(list.items).toEqual([]);
		const anon = await api(`/v1/files/${file.id}`);
		expect(anon.status).toBe(401);
	});

	it("lets active members of a chat where it was attached read it, but not invitees or other chats", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const carol = await createTestUser();
		const dave = await createTestUser();
		const data = bytes(2048);
		const file = await upload(alice, data);
		const chatId = await createChat([{ id: alice.id }, { id: bob.id }, { id: carol.id, status: "invited" }]);
		await createChat([{ id: alice.id }, { id: dave.id }]);
		await attachFilesToMessage(createDb(env.DB), {
			userId: alice.id,
			chatId,
			messageId: newId(),
			fileIds: [file.id],
		});

		const res = await api(`/v1/files/${file.id}`, { headers: bob.auth });
		expect(res.status).toBe(200);
		expect(await body(res)).toEqual(data);
		expect((await api(`/v1/files/${file.id}/metadata`, { headers: bob.auth })).status).toBe(200);
		for (const who of [carol, dave]) {
			const denied = await api(`/v1/files/${file.id}`, { headers: who.auth });
			expect(denied.status).toBe(404);
		}
		// Shared files are readable, not listed as one's own.
		const list = (await (await api("/v1/files", { headers: bob.auth })).json()) as { items: Info[] };
		expect(list.items).toEqual([]);
	});

	it("rejects a malformed id", async () => {
		const alice = await createTestUser();
		const res = await api("/v1/files/not-an-id", { headers: alice.auth });
		expect(res.status).toBe(400);
		expect(await errorCode(res)).toBe("VALIDATION_FAILED");
	});
});
