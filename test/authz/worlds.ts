/**
 * Worlds for the authorisation matrices, built once where a cell cannot
 * change them. A refused cell asserts that the world's snapshot is as it was,
 * so the refused cells of a file may all act on one shared world, and the
 * refused cells of a row on one copy of what the row's setup makes; an allowed
 * cell changes its world (it sends, renames, deletes), so it gets a fresh world
 * and runs the setup itself. Building a world signs up several users and drives
 * a chat through the Durable Objects: most of a cell's time when each built its
 * own. A refused cell that fails drops the shared world (and what was made in
 * it), and the next builds it anew.
 *
 * @example
 * const inWorld = worlds(makeWorld);
 * await inWorld(false, async (w, prepare) => run(w, await prepare(row, row.setup)));
 */
export type Prepare<W> = <X>(key: object, setup: (w: W) => Promise<X>) => Promise<X>;

export function worlds<W extends object>(make: () => Promise<W>) {
	let shared: Promise<W> | undefined;
	const made = new WeakMap<W, Map<object, Promise<unknown>>>();
	return async function inWorld<T>(
		allowed: boolean,
		cell: (w: W, prepare: Prepare<W>) => Promise<T>,
	): Promise<T> {
		if (allowed) {
			const w = await make();
			return cell(w, (_key, setup) => setup(w));
		}
		shared ??= make();
		try {
			const w = await shared;
			const byKey = made.get(w) ?? new Map<object, Promise<unknown>>();
			made.set(w, byKey);
			const prepare: Prepare<W> = <X>(key: object, setup: (w: W) => Promise<X>) => {
				const p = (byKey.get(key) as Promise<X> | undefined) ?? setup(w);
				byKey.set(key, p);
				return p;
			};
			return await cell(w, prepare);
		} catch (err) {
			shared = undefined;
			throw err;
		}
	};
}
