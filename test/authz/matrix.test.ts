/**
 * The authorisation matrix (matrix.ts), one test per cell: each resource and
 * action, over REST and both sockets, by the chat's owner, a member, an
 * invitee, a removed member, a stranger, an operator and an admin. An allowed
 * actor succeeds; anyone else gets 403 or 404 with a stable code, and the chat
 * as its owner sees it is unchanged.
 */
import { describe, expect, it } from "vitest";
import { makeWorld, ROLES, snapshot } from "./fixture";
import { MATRIX } from "./matrix";
import { worlds } from "./worlds";

// An allowed cell acts on a fresh world; the refused cells share one (and one setup per row), each
// asserting it left it unchanged.
const inWorld = worlds(makeWorld);

for (const row of MATRIX) {
	describe(`${row.resource}: ${row.action} (${row.via})`, () => {
		for (const role of ROLES) {
			const allowed = row.allowed.includes(role);
			it(`${role}: ${allowed ? "allowed" : "refused"}`, () =>
				inWorld(allowed, async (world, prepare) => {
					const extra = row.setup ? await prepare(row, row.setup) : {};
					const before = allowed ? null : await snapshot(world);
					const out = await row.run(world, world.users[role], extra);
					if (allowed) {
						if (row.allowedWith) expect(row.allowedWith, JSON.stringify(out)).toContain(out.status);
						else expect(out.status, JSON.stringify(out)).toBeLessThan(300);
						return;
					}
					expect(row.refusedWith ?? [403, 404], JSON.stringify(out)).toContain(out.status);
					expect(out.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
					expect(await snapshot(world)).toBe(before);
				}));
		}
	});
}
