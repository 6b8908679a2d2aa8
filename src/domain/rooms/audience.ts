import { ancestors, type RoomMembership, type RoomNode } from "./tree";

/**
 * Who hears about a room change (pure). A user reads a room when they are a
 * direct member of it or of a room above it (tree.ts accessOf), so the
 * audience of a room is everyone with a membership on its path to the root.
 */

export type TreeState = { tree: readonly RoomNode[]; members: readonly RoomMembership[] };

function byRoom(members: readonly RoomMembership[]) {
	const out = new Map<string, string[]>();
	for (const m of members) out.set(m.roomId, [...(out.get(m.roomId) ?? []), m.userId]);
	return out;
}

/**
 * Who may read `roomId` in `state`: users with a direct membership in it or above it.
 *
 * @example readersOf({tree:[{id:"a",parentId:null},{id:"b",parentId:"a"}], members:[{roomId:"a",userId:"u",role:"member"}]}, "b") // Set{"u"}
 */
export function readersOf(state: TreeState, roomId: string): Set<string> {
	if (!state.tree.some((r) => r.id === roomId)) return new Set();
	const members = byRoom(state.members);
	const out = new Set<string>();
	for (const id of [roomId, ...ancestors(state.tree, roomId)])
		for (const u of members.get(id) ?? []) out.add(u);
	return out;
}

/**
 * For each of `roomIds`, who could read it in `before` and cannot in `after`
 * (a room missing from `after` is readable by nobody): user → rooms lost, in
 * the order of `roomIds`.
 */
export function lostReaders(before: TreeState, after: TreeState, roomIds: readonly string[]) {
	const out = new Map<string, string[]>();
	for (const id of roomIds) {
		const now = readersOf(after, id);
		for (const u of readersOf(before, id)) if (!now.has(u)) out.set(u, [...(out.get(u) ?? []), id]);
	}
	return out;
}

/** Everyone who can read at least one of `roomIds` in `state`. */
export function readersOfAny(state: TreeState, roomIds: readonly string[]): Set<string> {
	const out = new Set<string>();
	for (const id of roomIds) for (const u of readersOf(state, id)) out.add(u);
	return out;
}
