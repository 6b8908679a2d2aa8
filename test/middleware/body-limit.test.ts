import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, UPLOAD_ROUTES } from "../../src/middleware/body-limit";
import { freshIp } from "../auth/helpers";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";

const MiB = 1024 * 1024;
const PARSED = ["application/json", "application/x-www-form-urlencoded"];

/** A body of unknown length (no Content-Length) that counts how much of it was read. */
function counted(total: number, chunk = 16 * 1024) {
	const seen = { bytes: 0 };
	const stream = new ReadableStream<Uint8Array>({
		pull(ctl) {
			if (seen.bytes >= total) return ctl.close();
			const piece = new Uint8Array(Math.min(chunk, total - seen.bytes)).fill(0x20);
			seen.bytes += piece.length;
			ctl.enqueue(piece);
		},
	});
	return { stream, seen };
}

describe("the app-wide request body cap", () => {
	it("refuses a 10 MB merge-patch+json body to the unauthenticated login route with 413", async () => {
		const body = `{"email":"a@example.test","password":"${"x".repeat(10 * MiB)}"}`;
		const res = await api("/v1/auth/login", {
			method: "POST",
			body,
			headers: { ...freshIp(), "Content-Type": "application/merge-patch+json" },
		});
		expect(res.status).toBe(413);
		expect(await errorCode(res)).toBe("PAYLOAD_TOO_LARGE");
	});

	it("caps every content type, and none at all", async () => {
		const big = "x".repeat(MAX_BODY_BYTES + 1);
		for (const type of [
			"application/json",
			"application/vnd.api+json",
			"application/x-www-form-urlencoded",
			"multipart/form-data; boundary=x",
			"text/plain",
			"application/xml",
			undefined,
		]) {
			const headers: Record<string, string> = { ...freshIp() };
			if (type) headers["Content-Type"] = type;
			const res = await api("/v1/auth/login", { method: "POST", body: big, headers });
			expect(res.status, String(type)).toBe(413);
			expect(await errorCode(res)).toBe("PAYLOAD_TOO_LARGE");
		}
	});

	it("reads a body of unknown length only up to the cap, then answers 413", async () => {
		const { stream, seen } = counted(10 * MiB);
		const res = await api("/v1/auth/login", {
			method: "POST",
			body: stream,
			headers: { ...freshIp(), "Content-Type": "application/merge-patch+json" },
		});
		expect(res.status).toBe(413);
		expect(await errorCode(res)).toBe("PAYLOAD_TOO_LARGE");
		// The stream may be read a few chunks ahead, never to its end.
		expect(seen.bytes).toBeLessThan(MAX_BODY_BYTES + 256 * 1024);
	});

	it("caps JSON sent to an upload route too", async () => {
		const alice = await createTestUser();
		const res = await api("/v1/contact-lists", {
			method: "POST",
			body: JSON.stringify({
				name: "big",
				contacts: [{ number: "+15550100", name: "x".repeat(MAX_BODY_BYTES) }],
			}),
			headers: { ...alice.auth, "Content-Type": "application/json" },
		});
		expect(res.status).toBe(413);
		expect(await errorCode(res)).toBe("PAYLOAD_TOO_LARGE");
	});

	it("lets uploads past the cap, to their own limits", async () => {
		const alice = await createTestUser();
		const res = await api("/v1/files?name=notes.txt", {
			method: "POST",
			body: "hello world\n".repeat(20_000),
			headers: { ...alice.auth, "Content-Type": "application/octet-stream" },
		});
		expect(res.status).toBe(201);
	});

	it("steps aside exactly for the routes whose OpenAPI body is neither JSON nor a form", async () => {
		const doc = (await (await api("/openapi.json")).json()) as {
			paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
		};
		const uploads: string[] = [];
		for (const [path, ops] of Object.entries(doc.paths)) {
			for (const [method, op] of Object.entries(ops)) {
				const types = Object.keys(op.requestBody?.content ?? {});
				if (types.some((t) => !PARSED.includes(t))) uploads.push(`${method.toUpperCase()} ${path}`);
			}
		}
		const sample = (path: string) => path.replace(/\{[^}]+\}/g, "x");
		const listed = (entry: string) => {
			const [method, path] = entry.split(" ") as [string, string];
			return UPLOAD_ROUTES.some((r) => r.method === method && r.path.test(sample(path)));
		};
		expect(uploads.filter((u) => !listed(u))).toEqual([]);
		expect(uploads).toHaveLength(UPLOAD_ROUTES.length);
	});
});
