/**
 * Every REST body in /openapi.json, fuzzed with fast-check from its own
 * schema: shaped values, hostile strings, prototype keys, wrong types and
 * missing keys, plus bodies that are not JSON at all. Whatever comes in, the
 * Worker answers below 500 with the standard error body and a stable code on
 * every refusal, and a body the schema forbids leaves every D1 table as it was.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { makeCampaign } from "../campaigns/helpers";
import { activeGroup, send } from "../chats/helpers";
import { api } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { bodies, type JsonSchema } from "./schema-arbitrary";

type Op = {
	security?: unknown[];
	requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
};
type Doc = {
	paths: Record<string, Record<string, Op>>;
	components?: { schemas?: Record<string, JsonSchema> };
};

const RUNS = 25;
// The work grows with every documented body (49 operations × RUNS with rooms): 45 s at load 15 on 2 cores.
const FUZZ_TIMEOUT_MS = 180_000;
const STABLE_CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

let doc: Doc;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let ids: { chat: string; campaign: string; trunk: string };
let tables: string[];

/** Row counts of every D1 table, in one query. */
async function counts(): Promise<Record<string, number>> {
	const row = await env.DB.prepare(
		`SELECT ${tables.map((t, i) => `(SELECT count(*) FROM "${t}") AS c${i}`).join(", ")}`,
	).first<Record<string, number>>();
	return Object.fromEntries(tables.map((t, i) => [t, row?.[`c${i}`] ?? -1]));
}

/** The operation's path with real resources of alice's where it names one. */
function fill(path: string): string {
	return path
		.replace("{chatId}", ids.chat)
		.replace("{userId}", bob.id)
		.replace("{seq}", "1")
		.replace("{n}", "1")
		.replace(/^\/v1\/sip-trunks\/\{id\}/, `/v1/sip-trunks/${ids.trunk}`)
		.replace(/^\/v1\/campaigns\/\{id\}/, `/v1/campaigns/${ids.campaign}`)
		.replace(/^\/v1\/admin\/users\/\{id\}/, `/v1/admin/users/${bob.id}`)
		.replace(/\{[^}]+\}/g, "unknown-id");
}

async function expectRefusalShape(res: Response, what: string): Promise<void> {
	expect(res.status, what).toBeLessThan(500);
	if (res.status < 400) return;
	const body = (await res.json().catch(() => null)) as {
		error?: { code?: string; requestId?: string };
	} | null;
	expect(body?.error?.code, `${what}: ${res.status} without a stable code`).toMatch(STABLE_CODE);
	expect(body?.error?.requestId, what).toBeTruthy();
}

beforeAll(async () => {
	doc = (await (await api("/openapi.json")).json()) as Doc;
	alice = await createTestUser({ displayName: "Alice" });
	bob = await createTestUser({ displayName: "Bob" });
	admin = await createTestUser({ displayName: "Admin", role: "admin" });
	const chat = await activeGroup(alice, [bob], "Fuzz");
	await send(alice, chat, "first");
	const campaign = (await makeCampaign(alice, ["+14155550100"])) as { id: string; trunk_id?: string };
	const trunks = (await (await api("/v1/sip-trunks", { headers: alice.auth })).json()) as {
		data?: { id: string }[];
	};
	ids = { chat, campaign: campaign.id, trunk: trunks.data?.[0]?.id ?? "unknown-id" };
	const list = await env.DB.prepare(
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations'",
	).all<{ name: string }>();
	tables = list.results.map((r) => r.name);
});

/** Every operation that takes a JSON body, as [method, path, schema, auth]. */
function jsonOps(): Array<[string, string, JsonSchema, boolean]> {
	const out: Array<[string, string, JsonSchema, boolean]> = [];
	for (const [path, methods] of Object.entries(doc.paths))
		for (const [method, op] of Object.entries(methods)) {
			const schema = op.requestBody?.content?.["application/json"]?.schema;
			if (schema) out.push([method.toUpperCase(), path, schema, Boolean(op.security?.length)]);
		}
	return out;
}

describe("REST bodies from /openapi.json", () => {
	it("covers the documented JSON bodies", () => {
		// The auth, chats, campaigns, trunks, files and me areas at least.
		expect(jsonOps().length).toBeGreaterThanOrEqual(30);
	});

	it(
		"every JSON body: no 5xx, a stable code on each refusal, nothing stored for a forbidden body",
		async () => {
			const components = doc.components?.schemas ?? {};
			const seen = { sent: 0, forbidden: 0, accepted: 0 };
			for (const [method, path, schema, secured] of jsonOps()) {
				const who = path.startsWith("/v1/admin") ? admin : alice;
				const headers = secured ? who.auth : {};
				await fc.assert(
					fc.asyncProperty(bodies(schema, components), async (sample) => {
						const before = sample.invalid ? await counts() : null;
						const res = await api(fill(path), { method, headers, json: sample.body });
						seen.sent++;
						if (sample.invalid) seen.forbidden++;
						if (res.status < 400) seen.accepted++;
						const what = `${method} ${path} (${sample.why}) ${JSON.stringify(sample.body)?.slice(0, 200)}`;
						await expectRefusalShape(res, what);
						if (before) {
							expect(res.status, what).toBeGreaterThanOrEqual(400);
							expect(await counts(), what).toEqual(before);
						}
					}),
					{ numRuns: RUNS, seed: 13 },
				);
			}
			// The fuzz reached both sides of the validators.
			expect(seen.forbidden).toBeGreaterThan(seen.sent / 10);
			expect(seen.accepted).toBeGreaterThan(0);
			console.info("rest fuzz", seen);
		},
		FUZZ_TIMEOUT_MS,
	);

	it(
		"bodies that are not JSON, or not what the route reads, are refused the same way",
		async () => {
			const raw = ["{not json", "", "\u0000\u0001", "[]]", '{"a":'.repeat(2000)];
			for (const [method, path, , secured] of jsonOps()) {
				const who = path.startsWith("/v1/admin") ? admin : alice;
				for (const body of raw) {
					const before = await counts();
					const res = await api(fill(path), {
						method,
						headers: { ...(secured ? who.auth : {}), "Content-Type": "application/json" },
						body,
					});
					const what = `${method} ${path} raw ${JSON.stringify(body.slice(0, 20))}`;
					await expectRefusalShape(res, what);
					expect(res.status, what).toBeGreaterThanOrEqual(400);
					expect(await counts(), what).toEqual(before);
				}
			}
		},
		FUZZ_TIMEOUT_MS,
	);
});
