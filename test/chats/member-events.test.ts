import { describe, expect, it } from "vitest";
import { memberChangeAudience } from "../../durable-objects/chat-room/member-events";

const active = ["owner", "admin", "viewer", "watcher", "bob", "carol"];
const watching = new Set(["viewer", "watcher", "gone"]);
const manages = (u: string) => u === "owner" || u === "admin";

describe("who hears of a membership change", () => {
	it("one member's change: that member, the owner and admins, and whoever has the chat open", () => {
		expect(memberChangeAudience("joined", "bob", active, watching, manages)).toEqual([
			"owner",
			"admin",
			"viewer",
			"watcher",
			"bob",
		]);
		expect(memberChangeAudience("role:admin", "carol", active, watching, manages)).toContain("carol");
	});

	it("a watcher who is no longer an active member hears nothing", () => {
		expect(memberChangeAudience("left", "bob", active, watching, manages)).not.toContain("gone");
	});

	it("a rename, or a change without a member, goes to every active member", () => {
		expect(memberChangeAudience("renamed", "owner", active, watching, manages)).toEqual(active);
		expect(memberChangeAudience("support_assignment", undefined, active, watching, manages)).toEqual(active);
	});
});
