import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { files } from "../../src/db/schema";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { bytes, EXE, listR2Keys, PNG, sha256Hex } from "./fixtures";

const MiB = 1024 * 1024;
const octet = { "Content-Type": "application/octet-stream" };

/** A body stream of unknown length (no Content-Length), sent in `chunk`-byte pieces. */
function chunked(data: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
	let at = 0;
	return new ReadableStream({
		pull(ctl) {
			if (at >= data.length) return ctl.close();
			ctl.enqueue(data.slice(at, at + chunk));
			at += chunk;
		},
	});
}

function form(
	parts: { name: string; value: string | Uint8Array; filename?: string }[],
	boundary = "----hatchTestBoundary7MA4YWxkTrZu0gW",
) {
	const enc = new TextEncoder();
	const chunks: Uint8Array[] = [];
	for (const p of parts) {
		const fn = p.filename !== undefined ? `; filename="${p.filename}"` : "";
		chunks.push(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${fn}\r\n`));
		if (p.filename !== undefined) chunks.push(enc.encode("Content-Type: image/png\r\n"));
		chunks.push(enc.encode("\r\n"));
		chunks.push(typeof p.value === "string" ? enc.encode(p.value) : p.value);
		chunks.push(enc.encode("\r\n"));
	}
	chunks.push(enc.encode(`--${boundary}--\r\n`));
	const total = chunks.reduce((n, c) => n + c.length, 0);
	const body = new Uint8Array(total);
	let at = 0;
	for (const c of chunks) {
		body.set(c, at);
		at += c.length;
	}
	return { body, headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` } };
}

async function rowsOf(ownerId: string) {
	return createDb(env.DB).select().from(files).where(eq(files.ownerId, ownerId));
}

describe("POST /v1/files (raw body)", () => {
	it("stores the bytes and answers 201 with id, name, size, sniffed type and checksum", async () => {
		const alice = await createTestUser();
		const data = bytes(3000);
		const res = await api("/v1/files?name=photo.png", {
			method: "POST",
			headers: { ...alice.auth, "Content-Type": "application/pdf" }, // a lie: ignored
			body: data,
		});
		expect(res.status).toBe(201);
		const body = (await res.json()) as Record<string, unknown>;
		expect(body).toMatchObject({
			name: "photo.png",
			size: 3000,
			content_type: "image/png",
			checksum: await sha256Hex(data),
			owner_id: alice.id,
		});
		expect(res.headers.get("Location")).toBe(`/v1/files/${body.id}`);
		expect(Date.parse(body.created_at as string)).toBeGreaterThan(Date.now() - 60_000);
		const stored = await env.FILES.get(`files/${alice.id}/${body.id}`);
		expect(new Uint8Array(await (stored as R2ObjectBody).arrayBuffer())).toEqual(data);
	});

	it("takes a UTF-8 name from X-File-Name and sanitises it", async () => {
		const alice = await createTestUser();
		const res = await api("/v1/files", {
			method: "POST",
			headers: {
				...alice.auth,
				...octet,
				"X-File-Name": encodeURIComponent("../../etc/отчёт\u202Egnp.txt\u0000"),
			},
			body: "hello, plain text\n",
		});
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({ name: "отчёт gnp.txt", content_type: "text/plain", size: 18 });
	});

	it("streams a body of unknown length larger than one R2 part", async () => {
		const alice = await createTestUser();
		const data = bytes(11 * MiB + 123);
		const res = await api("/v1/files?name=big.png", {
			method: "POST",
			headers: { ...alice.auth, ...octet },
			body: chunked(data),
			duplex: "half",
		} as RequestInit);
		expect(res.status).toBe(201);
		const body = (await res.json()) as { id: string; size: number; checksum: string };
		expect(body.size).toBe(data.length);
		expect(body.checksum).toBe(await sha256Hex(data));
		const stored = await env.FILES.get(`files/${alice.id}/${body.id}`);
		expect(stored?.size).toBe(data.length);
		expect(await sha256Hex(new Uint8Array(await (stored as R2ObjectBody).arrayBuffer()))).toBe(body.checksum);
	});

	it("requires a bearer token", async () => {
		const res = await api("/v1/files", { method: "POST", headers: octet, body: PNG });
		expect(res.status).toBe(401);
		expect(await errorCode(res)).toBe("UNAUTHENTICATED");
	});
});

describe("POST /v1/files (multipart/form-data)", () => {
	it("streams the file part of an HTML form", async () => {
		const alice = await createTestUser();
		const data = bytes(6 * MiB + 7);
		const f = form([{ name: "file", value: data, filename: "holiday.png" }]);
		const res = await api("/v1/files", {
			method: "POST",
			headers: { ...alice.auth, ...f.headers },
			body: f.body,
		});
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({
			name: "holiday.png",
			size: data.length,
			content_type: "image/png",
			checksum: await sha256Hex(data),
		});
	});

	it("prefers a name field sent before the file, and survives a boundary split across chunks", async () => {
		const alice = await createTestUser();
		const data = bytes(200_000);
		const f = form([
			{ name: "name", value: "Résumé final.png" },
			{ name: "file", value: data, filename: "blob" },
		]);
		const res = await api("/v1/files", {
			method: "POST",
			headers: { ...alice.auth, ...f.headers },
			body: chunked(f.body, 1000),
			duplex: "half",
		} as RequestInit);
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({
			name: "Résumé final.png",
			size: 200_000,
			checksum: await sha256Hex(data),
		});
	});

	it("rejects a form without a file, without a boundary, or cut off before its end, storing nothing", async () => {
		const alice = await createTestUser();
		const noFile = form([{ name: "name", value: "x" }]);
		let res = await api("/v1/files", {
			method: "POST",
			headers: { ...alice.auth, ...noFile.headers },
			body: noFile.body,
		});
		expect(res.status).toBe(400);
		expect(await errorCode(res)).toBe("VALIDATION_FAILED");

		res = await api("/v1/files", {
			method: "POST",
			headers: { ...alice.auth, "Content-Type": "multipart/form-data" },
			body: noFile.body,
		});
		expect(await errorCode(res)).toBe("INVALID_MULTIPART");

		const whole = form([{ name: "file", value: bytes(100_000), filename: "a.png" }]);
		res = await api("/v1/files", {
			method: "POST",
			headers: { ...alice.auth, ...whole.headers },
			body: whole.body.slice(0, 60_000),
		});
		expect(res.status).toBe(400);
		expect(await errorCode(res)).toBe("INVALID_MULTIPART");
		expect(await rowsOf(alice.id)).toEqual([]);
		expect(await listR2Keys(`files/${alice.id}/`)).toEqual([]);
	});
});

describe("upload limits", () => {
	it("refuses a disguised executable (an .exe named .png) with 415 and stores nothing", async () => {
		const alice = await createTestUser();
		for (const send of [
			() =>
				api("/v1/files?name=cat.png", {
					method: "POST",
					headers: { ...alice.auth, "Content-Type": "image/png" },
					body: bytes(5000, EXE),
				}),
			() => {
				const f = form([{ name: "file", value: bytes(5000, EXE), filename: "cat.png" }]);
				return api("/v1/files", { method: "POST", headers: { ...alice.auth, ...f.headers }, body: f.body });
			},
		]) {
			const res = await send();
			expect(res.status).toBe(415);
			expect(await errorCode(res)).toBe("UNSUPPORTED_FILE_TYPE");
		}
		expect(await rowsOf(alice.id)).toEqual([]);
		expect(await listR2Keys(`files/${alice.id}/`)).toEqual([]);
	});

	it("refuses an empty file", async () => {
		const alice = await createTestUser();
		const res = await api("/v1/files?name=x", {
			method: "POST",
			headers: { ...alice.auth, ...octet },
			body: new Uint8Array(0),
		});
		expect(res.status).toBe(400);
		expect(await errorCode(res)).toBe("EMPTY_FILE");
		expect(await rowsOf(alice.id)).toEqual([]);
	});

	it("refuses a file over the size limit with 413, by Content-Length or while streaming, storing nothing", async () => {
		const alice = await createTestUser();
		const tooBig = bytes(24 * MiB + 1);
		let res = await api("/v1/files?name=big.png", {
			method: "POST",
			headers: { ...alice.auth, ...octet },
			body: tooBig,
		});
		expect(res.status).toBe(413);
		expect(await errorCode(res)).toBe("FILE_TOO_LARGE");

		res = await api("/v1/files?name=big.png", {
			method: "POST",
			headers: { ...alice.auth, ...octet },
			body: chunked(tooBig, 256 * 1024),
			duplex: "half",
		} as RequestInit);
		expect(res.status).toBe(413);
		expect(await errorCode(res)).toBe("FILE_TOO_LARGE");

		const f = form([{ name: "file", value: tooBig, filename: "big.png" }]);
		res = await api("/v1/files", { method: "POST", headers: { ...alice.auth, ...f.headers }, body: f.body });
		expect(res.status).toBe(413);
		expect(await errorCode(res)).toBe("FILE_TOO_LARGE");

		expect(await rowsOf(alice.id)).toEqual([]);
		expect(await listR2Keys(`files/${alice.id}/`)).toEqual([]);
	});

	it("refuses an upload past the user's quota with 413 QUOTA_EXCEEDED", async () => {
		const alice = await createTestUser();
		// The test quota is 40 MiB: two 20 MiB files fit, then even a small one does not.
		for (let i = 0; i < 2; i++) {
			const res = await api(`/v1/files?name=f${i}.png`, {
				method: "POST",
				headers: { ...alice.auth, ...octet },
				body: bytes(20 * MiB),
			});
			expect(res.status).toBe(201);
		}
		for (const body of [bytes(10), chunked(bytes(100_000))]) {
			const res = await api("/v1/files?name=more.png", {
				method: "POST",
				headers: { ...alice.auth, ...octet },
				body,
				duplex: "half",
			} as RequestInit);
			expect(res.status).toBe(413);
			expect(await errorCode(res)).toBe("QUOTA_EXCEEDED");
		}
		expect(await rowsOf(alice.id)).toHaveLength(2);
		expect(await listR2Keys(`files/${alice.id}/`)).toHaveLength(2);
		// Someone else's quota is their own.
		const bob = await createTestUser();
		const res = await api("/v1/files?name=b.png", {
			method: "POST",
			headers: { ...bob.auth, ...octet },
			body: bytes(10),
		});
		expect(res.status).toBe(201);
	});
});

describe("upload rate", () => {
	it("allows 60 new files a minute per user, then answers 429 with Retry-After and stores nothing", async () => {
		const alice = await createTestUser();
		for (let i = 0; i < 60; i++) {
			const res = await api(`/v1/files?name=f${i}.txt`, {
				method: "POST",
				headers: { ...alice.auth, ...octet },
				body: `file ${i}`,
			});
			expect(res.status).toBe(201);
		}
		let res = await api("/v1/files?name=x.txt", {
			method: "POST",
			headers: { ...alice.auth, ...octet },
			body: "one more",
		});
		expect(res.status).toBe(429);
		expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
		expect(await errorCode(res)).toBe("RATE_LIMITED");
		res = await api("/v1/files/uploads", {
			method: "POST",
			headers: alice.auth,
			json: { name: "x", size: 10 },
		});
		expect(res.status).toBe(429);
		expect(await rowsOf(alice.id)).toHaveLength(60);
		// Another user is not affected.
		const bob = await createTestUser();
		res = await api("/v1/files?name=b.txt", {
			method: "POST",
			headers: { ...bob.auth, ...octet },
			body: "hi",
		});
		expect(res.status).toBe(201);
	});
});
