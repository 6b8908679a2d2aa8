import { describe, expect, it } from "vitest";
import type { TestUser } from "../helpers/users";
import { worlds } from "./worlds";

/**
 * What one cell expects, exactly: a success status, or a refusal's status and
 * code. Over REST the code is the error body's; over a native socket it is the
 * error frame's `reason` with its numeric `code` as the status; the seed
 * sockets map their own refusals (see via.ts).
 */
export type Cell = { status: number; code?: string };
export type Outcome = Cell & { body?: unknown };

export const ok = (status = 200): Cell => ({ status });
export const no = (status: number, code: string): Cell => ({ status, code });

/**
 * One resource and action, with the exact outcome for every role. `check`
 * looks further into an allowed answer (e.g. that a reader saw only their
 * own copies).
 */
export type TableRow<W, R extends string> = {
	resource: string;
	action: string;
	via: string;
	expect: Record<R, Cell>;
	setup?: (w: W) => Promise<Record<string, string>>;
	run: (w: W, actor: TestUser, extra: Record<string, string>, role: R) => Promise<Outcome>;
	check?: (out: Outcome, role: R, w: W, extra: Record<string, string>) => void | Promise<void>;
};

/**
 * Every role gets `otherwise` except those named in `cells`.
 *
 * @example byRole(SUPPORT_ROLES, { assignee: ok() }, no(403, "FORBIDDEN"))
 */
export function byRole<R extends string>(
	roles: readonly R[],
	cells: Partial<Record<R, Cell>>,
	otherwise: Cell,
): Record<R, Cell> {
	return Object.fromEntries(roles.map((r) => [r, cells[r] ?? otherwise])) as Record<R, Cell>;
}

/**
 * Generates one test per cell: the row's setup, the attempt by that role; the
 * outcome must equal the cell, and a refusal must leave the world's snapshot
 * as it was. An allowed cell gets a fresh world and runs the setup; the refused
 * cells share one world and one setup per row (worlds.ts), which each of them
 * asserts it left unchanged.
 */
export function runTable<W extends { users: Record<R, TestUser> }, R extends string>(
	roles: readonly R[],
	rows: readonly TableRow<W, R>[],
	makeWorld: () => Promise<W>,
	snapshot: (w: W) => Promise<string>,
) {
	const inWorld = worlds(makeWorld);
	for (const row of rows) {
		describe(`${row.resource}: ${row.action} (${row.via})`, () => {
			for (const role of roles) {
				const cell = row.expect[role];
				const label = cell.code ? `${cell.status} ${cell.code}` : String(cell.status);
				it(`${role}: ${label}`, () =>
					inWorld(!cell.code, async (w, prepare) => {
						const extra = row.setup ? await prepare(row, row.setup) : {};
						const before = cell.code ? await snapshot(w) : null;
						const out = await row.run(w, w.users[role], extra, role);
						expect({ status: out.status, code: out.code }, JSON.stringify(out.body ?? null)).toEqual({
							status: cell.status,
							code: cell.code,
						});
						if (before !== null) expect(await snapshot(w)).toBe(before);
						else await row.check?.(out, role, w, extra);
					}));
			}
		});
	}
}
