import { describe, expect, it } from "vitest";
import { groupCoverage } from "../../src/domain/e2e/coverage";

const d = (user_id: string, device_id: string) => ({ user_id, device_id });
const members = [d("a", "laptop"), d("a", "phone"), d("b", "phone"), d("c", "phone")];
const sender = d("a", "laptop");

describe("groupCoverage", () => {
	it("accepts exactly the member devices but the sender's, with or without a copy for the sending device", () => {
		expect(groupCoverage(members, sender, [d("a", "phone"), d("b", "phone"), d("c", "phone")])).toBeNull();
		expect(
			groupCoverage(members, sender, [d("a", "laptop"), d("a", "phone"), d("b", "phone"), d("c", "phone")]),
		).toBeNull();
	});

	it("names what is missing (the sender's other device counts), unknown or repeated", () => {
		expect(groupCoverage(members, sender, [d("b", "phone"), d("c", "phone")])).toEqual({
			missing: [d("a", "phone")],
			unexpected: [],
			duplicate: [],
		});
		expect(
			groupCoverage(members, sender, [d("a", "phone"), d("b", "phone"), d("c", "phone"), d("e", "x")]),
		).toEqual({
			missing: [],
			unexpected: [d("e", "x")],
			duplicate: [],
		});
		expect(
			groupCoverage(members, sender, [d("a", "phone"), d("b", "phone"), d("b", "phone"), d("c", "phone")]),
		).toEqual({
			missing: [],
			unexpected: [],
			duplicate: [d("b", "phone")],
		});
	});

	it("a device id of one user is not another user's device", () => {
		const p = groupCoverage(members, sender, [d("a", "phone"), d("c", "phone"), d("c", "phone2")]);
		expect(p?.missing).toEqual([d("b", "phone")]);
		expect(p?.unexpected).toEqual([d("c", "phone2")]);
	});
});
