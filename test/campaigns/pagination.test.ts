import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setDialerForTests } from "../../src/domain/dialer";
import { api, errorCode } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { FakeDialer, makeList, makeSound, makeTrunk } from "./helpers";

type Page = { items: Record<string, unknown>[]; page_token: string | null };

beforeEach(() => setDialerForTests(new FakeDialer()));
afterEach(() => setDialerForTests(null));

/** Follows `page_token` to the end (at most 20 pages); returns each page's items. */
async function allPages(
	user: TestUser,
	path: string,
	pageSize: number,
): Promise<Record<string, unknown>[][]> {
	const pages: Record<string, unknown>[][] = [];
	let token: string | null = null;
	for (let i = 0; i < 20; i++) {
		const sep = path.includes("?") ? "&" : "?";
		const q: string = token ? `&page_token=${encodeURIComponent(token)}` : "";
		const res = await api(`${path}${sep}page_size=${pageSize}${q}`, { headers: user.auth });
		expect(res.status).toBe(200);
		const page = await res.json<Page>();
		expect(Object.keys(page).sort()).toEqual(["items", "page_token"]);
		pages.push(page.items);
		token = page.page_token;
		if (token === null) return pages;
	}
	throw new Error(`${path}: more than 20 pages`);
}

const ids = (pages: Record<string, unknown>[][]) => pages.flat().map((r) => r.id);

describe("campaign-area lists share page_token / page_size", () => {
	it("pages trunks, sounds, contact lists and campaigns newest first, no repeats, no trailing empty page", async () => {
		const u = await createTestUser();
		const trunks = [await makeTrunk(u), await makeTrunk(u), await makeTrunk(u)];
		const sounds = [await makeSound(u), await makeSound(u), await makeSound(u)];
		const lists = [
			await makeList(u, ["+14155550100"]),
			await makeList(u, ["+14155550101"]),
			await makeList(u, ["+14155550102"]),
		];
		const campaigns: { id: string }[] = [];
		for (let i = 0; i < 3; i++) {
			const res = await api("/v1/campaigns", {
				method: "POST",
				headers: u.auth,
				json: { name: `C${i}`, trunk_id: trunks[0]?.id, sound_id: sounds[0]?.id, list_id: lists[0]?.id },
			});
			expect(res.status).toBe(201);
			campaigns.push(await res.json<{ id: string }>());
		}
		const newestFirst = (rows: { id: string }[]) => rows.map((r) => r.id).reverse();
		for (const [path, made] of [
			["/v1/sip-trunks", trunks],
			["/v1/sounds", sounds],
			["/v1/contact-lists", lists],
			["/v1/campaigns", campaigns],
		] as const) {
			const pages = await allPages(u, path, 2);
			expect(
				pages.map((p) => p.length),
				path,
			).toEqual([2, 1]);
			expect(ids(pages), path).toEqual(newestFirst(made));
			// Exactly one full page: its token is null, not a pointer to an empty page.
			expect(
				(await allPages(u, path, 3)).map((p) => p.length),
				path,
			).toEqual([3]);
		}
	});

	it("pages a list's contacts in upload order and do-not-call numbers in number order", async () => {
		const u = await createTestUser();
		const numbers = ["+14155550105", "+14155550101", "+14155550103", "+14155550102", "+14155550104"];
		const list = await makeList(u, numbers);
		const contacts = await allPages(u, `/v1/contact-lists/${list.id}/contacts`, 2);
		expect(contacts.map((p) => p.length)).toEqual([2, 2, 1]);
		expect(contacts.flat().map((c) => c.number)).toEqual(numbers);

		const added = await api("/v1/do-not-call", {
			method: "POST",
			headers: u.auth,
			json: { numbers: ["+14155550199", "+14155550197", "+14155550198"] },
		});
		expect(added.status).toBe(200);
		const dnc = await allPages(u, "/v1/do-not-call", 2);
		expect(dnc.map((p) => p.length)).toEqual([2, 1]);
		expect(dnc.flat().map((r) => r.number)).toEqual(["+14155550197", "+14155550198", "+14155550199"]);
	});

	it("refuses a bad page_size or page_token with 400 VALIDATION_FAILED", async () => {
		const u = await createTestUser();
		await makeTrunk(u);
		await makeTrunk(u);
		const list = await makeList(u, ["+14155550100", "+14155550101"]);
		const first = await (await api("/v1/sip-trunks?page_size=1", { headers: u.auth })).json<Page>();
		expect(first.page_token).toEqual(expect.any(String));
		const trunkToken = encodeURIComponent(first.page_token ?? "");
		for (const path of [
			"/v1/sip-trunks?page_size=0",
			"/v1/sip-trunks?page_size=101",
			"/v1/sounds?page_size=abc",
			"/v1/campaigns?page_token=%21%21",
			"/v1/contact-lists?page_token=bm90LWFuLWlk",
			`/v1/contact-lists/${list.id}/contacts?page_size=1001`,
			// A trunk's token names a UUID; contacts page by row number.
			`/v1/contact-lists/${list.id}/contacts?page_token=${trunkToken}`,
			`/v1/do-not-call?page_token=${trunkToken}`,
			"/v1/do-not-call?page_size=1001",
		]) {
			const res = await api(path, { headers: u.auth });
			expect(res.status, path).toBe(400);
			expect(await errorCode(res), path).toBe("VALIDATION_FAILED");
		}
	});

	it("needs a token, and another user's page_token shows only the caller's own rows", async () => {
		const alice = await createTestUser();
		const mallory = await createTestUser();
		await makeTrunk(alice);
		await makeTrunk(alice);
		await makeTrunk(alice);
		for (const path of [
			"/v1/sip-trunks",
			"/v1/sounds",
			"/v1/contact-lists",
			"/v1/campaigns",
			"/v1/do-not-call",
		]) {
			const res = await api(`${path}?page_size=1`);
			expect(res.status, path).toBe(401);
			expect(await errorCode(res), path).toBe("UNAUTHENTICATED");
		}
		const first = await (await api("/v1/sip-trunks?page_size=1", { headers: alice.auth })).json<Page>();
		const token = encodeURIComponent(first.page_token ?? "");
		const stolen = await api(`/v1/sip-trunks?page_token=${token}`, { headers: mallory.auth });
		expect(stolen.status).toBe(200);
		expect(await stolen.json()).toEqual({ items: [], page_token: null });
	});
});
