/** The pure rules of the room tree (src/domain/rooms/tree.ts). */
import { describe, expect, it } from "vitest";
import {
	accessOf,
	ancestors,
	attachRefusal,
	createRefusal,
	depthOf,
	heightOf,
	nest,
	ROOM_LIMITS,
	type RoomMembership,
	type RoomNode,
	subtree,
} from "../../src/domain/rooms/tree";

// a ─ b ─ c
//   └ d
const tree: RoomNode[] = [
	{ id: "a", parentId: null },
	{ id: "b", parentId: "a" },
	{ id: "c", parentId: "b" },
	{ id: "d", parentId: "a" },
];
const chain = (n: number, prefix = "r"): RoomNode[] =>
	Array.from({ length: n }, (_, i) => ({
		id: `${prefix}${i}`,
		parentId: i === 0 ? null : `${prefix}${i - 1}`,
	}));

describe("room tree", () => {
	it("ancestors, subtree, depth, height", () => {
		expect(ancestors(tree, "c")).toEqual(["b", "a"]);
		expect(ancestors(tree, "a")).toEqual([]);
		expect(subtree(tree, "a")).toEqual(["a", "b", "d", "c"]);
		expect(subtree(tree, "b")).toEqual(["b", "c"]);
		expect(depthOf(tree, "c")).toBe(3);
		expect(heightOf(tree, "a")).toBe(3);
		expect(heightOf(tree, "d")).toBe(1);
	});

	it("a stored cycle cannot make the walks loop", () => {
		const bad: RoomNode[] = [
			{ id: "x", parentId: "y" },
			{ id: "y", parentId: "x" },
		];
		expect(ancestors(bad, "x")).toEqual(["y", "x"]);
		expect(subtree(bad, "x")).toEqual(["x", "y"]);
	});

	it("access is inherited down the tree: owners above manage, members above read, others nothing", () => {
		const members: RoomMembership[] = [
			{ roomId: "a", userId: "owner", role: "owner" },
			{ roomId: "a", userId: "reader", role: "member" },
			{ roomId: "b", userId: "sub", role: "owner" },
			{ roomId: "d", userId: "side", role: "member" },
		];
		expect(accessOf(tree, members, "owner", "c")).toBe("manage");
		expect(accessOf(tree, members, "reader", "c")).toBe("read");
		expect(accessOf(tree, members, "sub", "c")).toBe("manage");
		expect(accessOf(tree, members, "sub", "a")).toBeNull();
		expect(accessOf(tree, members, "sub", "d")).toBeNull();
		expect(accessOf(tree, members, "side", "d")).toBe("read");
		expect(accessOf(tree, members, "side", "b")).toBeNull();
		expect(accessOf(tree, members, "nobody", "a")).toBeNull();
	});

	it("a room cannot become its own ancestor", () => {
		expect(attachRefusal(tree, tree, "a", "a")).toBe("ROOM_CYCLE");
		expect(attachRefusal(tree, tree, "c", "a")).toBe("ROOM_CYCLE");
		expect(attachRefusal(tree, tree, "c", "b")).toBe("ROOM_CYCLE");
		expect(attachRefusal(tree, tree, "d", "b")).toBeNull();
	});

	it("depth and size limits hold for attach and create", () => {
		const deep = chain(ROOM_LIMITS.DEPTH_MAX);
		expect(createRefusal(deep, `r${ROOM_LIMITS.DEPTH_MAX - 1}`)).toBe("ROOM_TOO_DEEP");
		expect(createRefusal(deep, `r${ROOM_LIMITS.DEPTH_MAX - 2}`)).toBeNull();
		// a two-level subtree under the second-deepest room would reach DEPTH_MAX + 1
		expect(attachRefusal(deep, tree, `r${ROOM_LIMITS.DEPTH_MAX - 2}`, "b")).toBe("ROOM_TOO_DEEP");
		expect(attachRefusal(deep, tree, `r${ROOM_LIMITS.DEPTH_MAX - 3}`, "b")).toBeNull();
		const wide: RoomNode[] = [
			{ id: "w", parentId: null },
			...Array.from({ length: ROOM_LIMITS.TREE_MAX - 1 }, (_, i) => ({ id: `w${i}`, parentId: "w" })),
		];
		expect(createRefusal(wide, "w")).toBe("ROOM_TREE_FULL");
		expect(attachRefusal(wide, tree, "w", "d")).toBe("ROOM_TREE_FULL");
	});

	it("nest builds the nested view", () => {
		expect(nest(tree, "a")).toEqual({
			id: "a",
			parentId: null,
			subrooms: [
				{ id: "b", parentId: "a", subrooms: [{ id: "c", parentId: "b", subrooms: [] }] },
				{ id: "d", parentId: "a", subrooms: [] },
			],
		});
		expect(nest(tree, "zz")).toBeNull();
	});
});
