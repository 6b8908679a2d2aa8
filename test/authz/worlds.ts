/**
 * Worlds for the authorisation matrices, built once where a cell cannot
 * change them. A refused cell asserts that the world's snapshot is as it was,
 * so the refused cells of a file may all act on one shared world; an allowed
 * cell changes its world (it sends, renames, deletes), so it gets a fresh one
 * of its own. Building a world signs up several users and drives a chat
 * through the Durable Objects: most of a cell's time when each built its own.
 * A refused cell that fails drops the shared world, and the next builds it anew.
 *
 * @example const inWorld = worlds(makeWorld); await inWorld(false, (w) => refusedCell(w));
 */
export function worlds<W>(make: () => Promise<W>) {
	let shared: Promise<W> | undefined;
	return async function inWorld<T>(allowed: boolean, cell: (w: W) => Promise<T>): Promise<T> {
		if (allowed) return cell(await make());
		shared ??= make();
		try {
			return await cell(await shared);
		} catch (err) {
			shared = undefined;
			throw err;
		}
	};
}
