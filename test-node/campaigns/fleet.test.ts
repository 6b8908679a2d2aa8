import { describe, expect, it } from "vitest";
import {
	FLEET,
	fleetNames,
	full,
	isDead,
	observed,
	pickDialer,
	took,
	unknownView,
} from "../../src/domain/dialer/fleet.ts";

/** The dialer fleet's choices without workerd. */
const T0 = 1_000_000;
const up = (name: string, active: number, capacity: number) =>
	observed(unknownView(name), { ok: true, active_calls: active, capacity }, T0);

describe("dialer fleet", () => {
	it("names URLs in development and Container instances in production", () => {
		expect(fleetNames({ DIALER_URLS: " http://127.0.0.1:8901, http://127.0.0.1:8902 " })).toEqual([
			"http://127.0.0.1:8901",
			"http://127.0.0.1:8902",
		]);
		expect(fleetNames({ DIALER_URL: "http://127.0.0.1:8788" })).toEqual(["http://127.0.0.1:8788"]);
		expect(fleetNames({ DIALER_FLEET_SIZE: "3" })).toEqual(["dialer-0", "dialer-1", "dialer-2"]);
		expect(fleetNames({})).toEqual(["dialer-0"]);
	});

	it("picks the healthy dialer with the most free room, and none when all are full or failing", () => {
		const a = up("a", 900, 1000);
		const b = up("b", 100, 1000);
		expect(pickDialer([a, b])).toBe("b");
		// Calls placed since the last health check count too.
		let fleet = [up("a", 0, 2), up("b", 0, 2)];
		const picks: string[] = [];
		for (let i = 0; i < 4; i++) {
			const name = pickDialer(fleet) as string;
			picks.push(name);
			fleet = fleet.map((v) => (v.name === name ? took(v) : v));
		}
		expect(picks.sort()).toEqual(["a", "a", "b", "b"]);
		expect(pickDialer(fleet)).toBeNull();
		const failing = observed(b, null, T0 + 1);
		expect(pickDialer([up("a", 1000, 1000), failing])).toBeNull();
		expect(pickDialer([{ ...b, ok: false }])).toBeNull();
		// A 503 makes it full until its next health answer.
		expect(pickDialer([a, full(b)])).toBe("a");
	});

	it("counts a dialer dead once it has not answered for the bound, and alive again when it answers", () => {
		const v = observed(up("a", 0, 10), null, T0);
		expect(observed(v, null, T0 + 5000).failingSince).toBe(T0);
		expect(isDead(v, T0 + FLEET.DEAD_AFTER_MS - 1)).toBe(false);
		expect(isDead(v, T0 + FLEET.DEAD_AFTER_MS)).toBe(true);
		const back = observed(v, { ok: true, active_calls: 0, capacity: 10 }, T0 + 40_000);
		expect(back.failingSince).toBeNull();
		expect(isDead(back, T0 + 40_000)).toBe(false);
	});
});
