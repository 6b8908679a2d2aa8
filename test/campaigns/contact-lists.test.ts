import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, errorCode } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";

type Import = {
	id: string;
	contact_count: number;
	stats: Record<string, unknown>;
	rejected: { line: number; value: string; reason: string }[];
};

function csv(u: TestUser, body: string | Uint8Array, query = "name=list", type = "text/csv") {
	return api(`/v1/contact-lists?${query}`, {
		method: "POST",
		headers: { ...u.auth, "Content-Type": type },
		body,
	});
}

async function contactsOf(u: TestUser, id: string) {
	const res = await api(`/v1/contact-lists/${id}/contacts?page_size=1000`, { headers: u.auth });
	return (await res.json<{ items: Record<string, unknown>[] }>()).items;
}

async function listCount(u: TestUser) {
	return (
		(
			await env.DB.prepare("SELECT COUNT(*) AS n FROM contact_lists WHERE owner_id = ?")
				.bind(u.id)
				.first<{ n: number }>()
		)?.n ?? 0
	);
}

describe("Contact lists", () => {
	it("parses a CSV with BOM, header, quotes and extra columns; normalises, merges duplicates and reports bad lines", async () => {
		const u = await createTestUser();
		const file =
			'\uFEFFPhone;Name;Comment;City\r\n+1 415 555 0100;"Smith; Ann";"said ""call me""";Boston\r\n(415) 555-0101;Bob;;\r\nnot a number;Eve;;\r\n4155550100;;dup;Paris\r\n+7 912 345-67-89;Иван;;Москва\r\n';
		const res = await csv(u, file, "name=Spring&region=US");
		expect(res.status).toBe(201);
		const body = await res.json<Import>();
		expect(body.contact_count).toBe(3);
		expect(body.stats).toMatchObject({
			rows: 5,
			valid: 3,
			invalid: 1,
			duplicates: 1,
			do_not_call: 0,
			header: true,
			encoding: "utf-8",
		});
		expect(body.rejected).toEqual([{ line: 4, value: "not a number", reason: "INVALID_NUMBER" }]);
		const items = await contactsOf(u, body.id);
		expect(items.map((i) => i.number)).toEqual(["+14155550100", "+14155550101", "+79123456789"]);
		expect(items[0]).toMatchObject({
			name: "Smith; Ann",
			comment: 'said "call me"',
			fields: { City: "Boston" },
			line: 2,
		});
		expect(items[2]).toMatchObject({ name: "Иван", fields: { City: "Москва" } });
	});

	it("reads headerless CSV (number, name, comment, extra) and JSON, with the default region", async () => {
		const u = await createTestUser();
		const plain = await (
			await csv(u, "02079460000,Alice,VIP,gold\n07911123456,Bob\n", "name=uk&region=GB")
		).json<Import>();
		expect(plain.stats).toMatchObject({ header: false, valid: 2 });
		expect(await contactsOf(u, plain.id)).toEqual([
			expect.objectContaining({
				number: "+442079460000",
				name: "Alice",
				comment: "VIP",
				fields: { col4: "gold" },
			}),
			expect.objectContaining({ number: "+447911123456", name: "Bob" }),
		]);
		const json = await api("/v1/contact-lists", {
			method: "POST",
			headers: u.auth,
			json: {
				name: "json",
				contacts: [{ number: "+14155550100", name: "A", fields: { plan: "pro" } }, { number: "nope" }],
			},
		});
		expect(json.status).toBe(201);
		expect(await json.json()).toMatchObject({
			contact_count: 1,
			rejected: [{ line: 2, reason: "INVALID_NUMBER" }],
		});
	});

	it("stores names, comments and fields with JSON's special characters exactly as given", async () => {
		const u = await createTestUser();
		const fields = { 'k"ey\\': 'v"al\\ue \u00e9 \u2028 😀', "{[]}": "", 'a\\"': "[1,2]" };
		const res = await api("/v1/contact-lists", {
			method: "POST",
			headers: u.auth,
			json: {
				name: "json chars",
				contacts: [
					{ number: "+14155550100", name: 'A "q" \\ b', comment: "😀 \\u0041", fields },
					{ number: "+14155550101", comment: "c" },
					{ number: "+14155550102", fields: { only: "f" } },
				],
			},
		});
		expect(res.status).toBe(201);
		const items = await contactsOf(u, (await res.json<Import>()).id);
		expect(items).toEqual([
			{
				id: expect.any(Number),
				number: "+14155550100",
				name: 'A "q" \\ b',
				comment: "😀 \\u0041",
				fields,
				line: 1,
			},
			{ id: expect.any(Number), number: "+14155550101", name: null, comment: "c", fields: {}, line: 2 },
			{
				id: expect.any(Number),
				number: "+14155550102",
				name: null,
				comment: null,
				fields: { only: "f" },
				line: 3,
			},
		]);
	});

	it("decodes a declared single-byte encoding and refuses undeclared non-UTF-8", async () => {
		const u = await createTestUser();
		// "number,name\n+79123456789,Иван\n" in windows-1251
		const bytes = new Uint8Array([
			...new TextEncoder().encode("number,name\n+79123456789,"),
			0xc8,
			0xe2,
			0xe0,
			0xed,
			0x0a,
		]);
		const bad = await csv(u, bytes);
		expect(bad.status).toBe(422);
		expect(await errorCode(bad)).toBe("CSV_BAD_ENCODING");
		const ok = await csv(u, bytes, "name=ru&encoding=windows-1251");
		expect(ok.status).toBe(201);
		const list = await ok.json<Import>();
		expect(list.stats).toMatchObject({ encoding: "windows-1251" });
		expect((await contactsOf(u, list.id))[0]).toMatchObject({ name: "Иван" });
		expect(await errorCode(await csv(u, bytes, "name=ru&encoding=klingon"))).toBe("CSV_BAD_ENCODING");
	});

	it("refuses malformed, empty, all-invalid and oversized uploads and stores nothing", async () => {
		const u = await createTestUser();
		const malformed = await csv(u, 'number,name\n+14155550100,"unterminated\n+14155550101,Bob\n');
		expect(malformed.status).toBe(422);
		expect(await errorCode(malformed)).toBe("CSV_MALFORMED");
		expect(await errorCode(await csv(u, ""))).toBe("CONTACTS_EMPTY");
		expect(await errorCode(await csv(u, "\n\n"))).toBe("CONTACTS_EMPTY");
		const none = await csv(u, "number\nabc\n123\n");
		expect(await errorCode(none)).toBe("CONTACTS_NONE_VALID");
		const huge = await csv(u, new Uint8Array(32 * 1024 * 1024 + 10).fill(0x31));
		expect(huge.status).toBe(413);
		expect(await errorCode(await csv(u, "number\n+14155550100\n", "name=x&region=XX"))).toBe(
			"VALIDATION_FAILED",
		);
		expect(
			await errorCode(
				await api("/v1/contact-lists", {
					method: "POST",
					headers: u.auth,
					json: { name: "j", contacts: [] },
				}),
			),
		).toBe("VALIDATION_FAILED");
		expect(await listCount(u)).toBe(0);
	});

	it("refuses an over-long field with 422 CSV_FIELD_TOO_LONG and its line, an 8 MB quoted one included", async () => {
		const u = await createTestUser();
		const cases: [string, number][] = [
			[`number,name\n+14155550100,Ann\n+14155550101,"${"x".repeat(8 * 1024 * 1024)}"\n`, 3],
			[`number,name\n+14155550100,Ann\n+14155550101,Bob\n+14155550102,${"n".repeat(201)}\n`, 4],
			[`number,name,comment,notes\n+14155550100,Ann,ok,${"f".repeat(1001)}\n`, 2],
			[`+14155550100,Ann,${"c".repeat(1001)}\n`, 1],
			[`${"1".repeat(65)},Ann\n`, 1],
		];
		for (const [body, line] of cases) {
			const res = await csv(u, body);
			expect(res.status).toBe(422);
			const err = (await res.json()) as {
				error: { code: string; message: string; details: { line: number } };
			};
			expect(err.error.code).toBe("CSV_FIELD_TOO_LONG");
			expect(err.error.details.line).toBe(line);
			expect(err.error.message).toContain(`Line ${line}`);
		}
		expect(await listCount(u)).toBe(0);
	});

	it("skips do-not-call numbers at upload, and manages the do-not-call list", async () => {
		const u = await createTestUser();
		const add = await api("/v1/do-not-call", {
			method: "POST",
			headers: u.auth,
			json: { numbers: ["+1 415 555 0101", "garbage"] },
		});
		expect(await add.json()).toEqual({ added: ["+14155550101"], invalid: ["garbage"] });
		const list = await (await csv(u, "number\n+14155550100\n+14155550101\n")).json<Import>();
		expect(list.contact_count).toBe(1);
		expect(list.rejected).toEqual([{ line: 3, value: "+14155550101", reason: "DO_NOT_CALL" }]);
		expect(
			(await (await api("/v1/do-not-call", { headers: u.auth })).json<{ items: unknown[] }>()).items,
		).toHaveLength(1);
		expect(
			(
				await api(`/v1/do-not-call/${encodeURIComponent("+14155550101")}`, {
					method: "DELETE",
					headers: u.auth,
				})
			).status,
		).toBe(204);
		expect(
			(await (await api("/v1/do-not-call", { headers: u.auth })).json<{ items: unknown[] }>()).items,
		).toHaveLength(0);
		// Another account's do-not-call list is its own.
		const other = await createTestUser();
		expect(
			(await (await api("/v1/do-not-call", { headers: other.auth })).json<{ items: unknown[] }>()).items,
		).toHaveLength(0);
	});

	it("imports 100,000 rows", async () => {
		const u = await createTestUser();
		const lines = ["number,name,comment"];
		for (let i = 0; i < 100_000; i++)
			lines.push(`+1415${String(2000000 + i).padStart(7, "0")},Name ${i},c${i % 7}`);
		const started = Date.now();
		const res = await csv(u, `${lines.join("\n")}\n`, "name=big");
		expect(res.status).toBe(201);
		const body = await res.json<Import>();
		expect(body.contact_count).toBe(100_000);
		const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM contacts WHERE list_id = ?")
			.bind(body.id)
			.first<{ n: number }>();
		expect(n?.n).toBe(100_000);
		console.log(`100k-row import inside workerd: ${Date.now() - started} ms`);
	}, 120_000);

	it("another user can neither see, read nor delete your list", async () => {
		const alice = await createTestUser();
		const mallory = await createTestUser();
		const list = await (await csv(alice, "number\n+14155550100\n")).json<Import>();
		expect((await api(`/v1/contact-lists/${list.id}`, { headers: mallory.auth })).status).toBe(404);
		expect((await api(`/v1/contact-lists/${list.id}/contacts`, { headers: mallory.auth })).status).toBe(404);
		expect(
			(await api(`/v1/contact-lists/${list.id}`, { method: "DELETE", headers: mallory.auth })).status,
		).toBe(404);
		expect(
			(await (await api("/v1/contact-lists", { headers: mallory.auth })).json<{ items: unknown[] }>()).items,
		).toHaveLength(0);
		expect(
			(await api(`/v1/contact-lists/${list.id}`, { method: "DELETE", headers: alice.auth })).status,
		).toBe(204);
		expect(await listCount(alice)).toBe(0);
	});
});
