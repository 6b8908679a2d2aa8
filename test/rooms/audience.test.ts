/** Who hears a room change (pure): readers by inheritance, and who loses what. */
import { describe, expect, it } from "vitest";
import { lostReaders, readersOf } from "../../src/domain/rooms/audience";

const tree = [
	{ id: "a", parentId: null },
	{ id: "b", parentId: "a" },
	{ id: "c", parentId: "b" },
];
const members = [
	{ roomId: "a", userId: "top", role: "owner" as const },
	{ roomId: "b", userId: "mid", role: "member" as const },
	{ roomId: "c", userId: "low", role: "member" as const },
];

describe("room audience", () => {
	it("a room's readers are the members of it and of every room above", () => {
		expect([...readersOf({ tree, members }, "c")].sort()).toEqual(["low", "mid", "top"]);
		expect([...readersOf({ tree, members }, "b")].sort()).toEqual(["mid", "top"]);
		expect([...readersOf({ tree, members }, "a")]).toEqual(["top"]);
		expect([...readersOf({ tree, members }, "gone")]).toEqual([]);
	});

	it("lost readers: removed members lose the subtree, a deleted room is lost by all its readers", () => {
		const withoutMid = { tree, members: members.filter((m) => m.userId !== "mid") };
		expect(lostReaders({ tree, members }, withoutMid, ["b", "c"])).toEqual(new Map([["mid", ["b", "c"]]]));
		const deleted = {
			tree: tree.filter((r) => r.id === "a"),
			members: members.filter((m) => m.roomId === "a"),
		};
		expect(lostReaders({ tree, members }, deleted, ["b", "c"])).toEqual(
			new Map([
				["top", ["b", "c"]],
				["mid", ["b", "c"]],
				["low", ["c"]],
			]),
		);
	});
});
