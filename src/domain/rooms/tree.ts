import { ROOM_LIMITS } from "@hatch/contract/rooms";

/**
 * The rules of the room tree, pure: no D1, no Hono. `rooms.ts` loads a tree
 * and its members, asks these functions, and stores what they allow.
 *
 * Access is decided on the path from a room up to its root:
 * - a direct `owner` of the room or of any ancestor **manages** it (rename,
 *   delete, add and remove users, attach subrooms);
 * - any other direct member of the room or of an ancestor **reads** it (info,
 *   tree, enter its chat, send to it);
 * - anyone else is a stranger, who is told the room does not exist (404).
 */

export { ROOM_LIMITS };

export type RoomNode = { id: string; parentId: string | null };
export type RoomRole = "owner" | "member";
export type RoomMembership = { roomId: string; userId: string; role: RoomRole };
export type Access = "manage" | "read";

/** Why a tree change is refused: each is a stable error code (rooms.ts gives the status). */
export type TreeRefusal = "ROOM_CYCLE" | "ROOM_TOO_DEEP" | "ROOM_TREE_FULL";

const byId = (nodes: readonly RoomNode[]) => new Map(nodes.map((n) => [n.id, n]));

/**
 * The room's ancestors, nearest first. Bounded by the tree's size, so a
 * stored cycle (which attach() never allows) cannot loop forever.
 *
 * @example ancestors([{id:"a",parentId:null},{id:"b",parentId:"a"}], "b") // ["a"]
 */
export function ancestors(nodes: readonly RoomNode[], id: string): string[] {
	const map = byId(nodes);
	const out: string[] = [];
	let parent = map.get(id)?.parentId ?? null;
	while (parent !== null && out.length <= nodes.length && !out.includes(parent)) {
		out.push(parent);
		parent = map.get(parent)?.parentId ?? null;
	}
	return out;
}

/** The room and everything below it, parents before children. */
export function subtree(nodes: readonly RoomNode[], id: string): string[] {
	const children = new Map<string, string[]>();
	for (const n of nodes) {
		if (n.parentId === null) continue;
		children.set(n.parentId, [...(children.get(n.parentId) ?? []), n.id]);
	}
	const out = [id];
	for (let i = 0; i < out.length && out.length <= nodes.length; i++) {
		for (const c of children.get(out[i] as string) ?? []) if (!out.includes(c)) out.push(c);
	}
	return out;
}

/** Depth of a room: 1 for a root. */
export const depthOf = (nodes: readonly RoomNode[], id: string) => ancestors(nodes, id).length + 1;

/** Levels in the room's subtree: 1 for a leaf. */
export function heightOf(nodes: readonly RoomNode[], id: string): number {
	const below = subtree(nodes, id);
	const base = depthOf(nodes, id);
	return Math.max(...below.map((r) => depthOf(nodes, r) - base + 1));
}

/**
 * What `userId` may do in `roomId`: the strongest direct membership on the
 * path from the room up to its root. Null for a stranger.
 */
export function accessOf(
	nodes: readonly RoomNode[],
	members: readonly RoomMembership[],
	userId: string,
	roomId: string,
): Access | null {
	const path = new Set([roomId, ...ancestors(nodes, roomId)]);
	let access: Access | null = null;
	for (const m of members) {
		if (m.userId !== userId || !path.has(m.roomId)) continue;
		if (m.role === "owner") return "manage";
		access = "read";
	}
	return access;
}

/**
 * Whether `childId` (with its subtree, from `childTree`) may hang under
 * `parentId` (in `parentTree`; the same array when both are one tree).
 * Refused when the child would become its own ancestor, when the result
 * would be deeper than DEPTH_MAX, or when a tree would exceed TREE_MAX.
 */
export function attachRefusal(
	parentTree: readonly RoomNode[],
	childTree: readonly RoomNode[],
	parentId: string,
	childId: string,
): TreeRefusal | null {
	const moving = subtree(childTree, childId);
	if (moving.includes(parentId)) return "ROOM_CYCLE";
	if (depthOf(parentTree, parentId) + heightOf(childTree, childId) > ROOM_LIMITS.DEPTH_MAX)
		return "ROOM_TOO_DEEP";
	const sameTree = parentTree.some((n) => n.id === childId);
	if (!sameTree && parentTree.length + moving.length > ROOM_LIMITS.TREE_MAX) return "ROOM_TREE_FULL";
	return null;
}

/** Whether one more room may be created under `parentId`. */
export function createRefusal(tree: readonly RoomNode[], parentId: string): TreeRefusal | null {
	if (depthOf(tree, parentId) + 1 > ROOM_LIMITS.DEPTH_MAX) return "ROOM_TOO_DEEP";
	if (tree.length + 1 > ROOM_LIMITS.TREE_MAX) return "ROOM_TREE_FULL";
	return null;
}

/** A nested view of the tree from `id` down, children in the order given. */
export type TreeView<N> = N & { subrooms: TreeView<N>[] };
export function nest<N extends RoomNode>(nodes: readonly N[], id: string): TreeView<N> | null {
	const node = nodes.find((n) => n.id === id);
	if (!node) return null;
	const seen = new Set<string>([id]);
	const build = (n: N): TreeView<N> => ({
		...n,
		subrooms: nodes
			.filter((c) => c.parentId === n.id && !seen.has(c.id) && seen.add(c.id))
			.map((c) => build(c)),
	});
	return build(node);
}
