import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coturnProvider, mintTurnRestCredentials } from "../../src/domain/turn/coturn";
import { type CoturnServer, runUclient, startCoturn } from "./coturn-server";

/**
 * Hatch's TURN credentials against a real coturn (Debian's package) on
 * 127.0.0.1 configured with the same shared secret: what Hatch mints is
 * accepted, and expired, forged or foreign credentials are refused.
 */
describe("coturn accepts Hatch's TURN REST credentials", () => {
	let started: CoturnServer | undefined;
	let startError: unknown;
	const secret = randomBytes(24).toString("base64url");
	const userId = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
	/** The running server; every test fails (rather than being skipped) when coturn could not start. */
	const server = (): CoturnServer => {
		if (!started) throw startError;
		return started;
	};

	beforeAll(async () => {
		try {
			started = await startCoturn(secret);
		} catch (err) {
			startError = err;
		}
	}, 20_000);
	afterAll(async () => {
		await started?.stop();
	});

	it("allocates and relays with credentials from the coturn provider (UDP and TCP)", async () => {
		const provider = coturnProvider({
			secret,
			urls: [
				`turn:127.0.0.1:${server().port}?transport=udp`,
				`turn:127.0.0.1:${server().port}?transport=tcp`,
			],
			ttlS: 600,
		});
		const creds = await provider.issue(userId);
		expect(creds.username).toMatch(new RegExp(`^\\d+:${userId}$`));
		const udp = await runUclient(server(), creds.username, creds.credential);
		expect(udp.code, udp.output.slice(-1500)).toBe(0);
		expect(udp.received).toBeGreaterThan(0);
		const tcp = await runUclient(server(), creds.username, creds.credential, { tcp: true });
		expect(tcp.code, tcp.output.slice(-1500)).toBe(0);
		expect(tcp.received).toBeGreaterThan(0);
	});

	it("refuses credentials whose expiry has passed", async () => {
		const expired = await mintTurnRestCredentials({ secret, userId, ttlS: 60, now: Date.now() - 3_600_000 });
		const run = await runUclient(server(), expired.username, expired.credential);
		expect(run.code).not.toBe(0);
		expect(run.output).toMatch(/Cannot complete Allocation/);
		expect(run.received).toBe(0);
	});

	it("refuses credentials signed with another secret", async () => {
		const forged = await mintTurnRestCredentials({ secret: `${secret}x`, userId, ttlS: 600 });
		const run = await runUclient(server(), forged.username, forged.credential);
		expect(run.code).not.toBe(0);
		expect(run.output).toMatch(/Cannot complete Allocation/);
	});

	it("refuses a valid password presented with someone else's username", async () => {
		const mine = await mintTurnRestCredentials({ secret, userId, ttlS: 600 });
		const [expiry] = mine.username.split(":");
		const run = await runUclient(server(), `${expiry}:someone-else`, mine.credential);
		expect(run.code).not.toBe(0);
		expect(run.output).toMatch(/Cannot complete Allocation/);
	});

	it("refuses an expiry pushed into the future without re-signing", async () => {
		const mine = await mintTurnRestCredentials({ secret, userId, ttlS: 60, now: Date.now() - 3_600_000 });
		const run = await runUclient(
			server(),
			`${Math.floor(Date.now() / 1000) + 3600}:${userId}`,
			mine.credential,
		);
		expect(run.code).not.toBe(0);
	});
});
