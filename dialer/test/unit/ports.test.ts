/**
 * The RTP port pool on real sockets: even ports with RTCP on the odd one above,
 * a port (or its RTCP port) somebody else holds
 * is skipped (with or without SO_REUSEPORT: another dialer of the same user must
 * not share our port), release makes a port reusable, and exhaustion is an error.
 */
import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { PortPool } from "../../src/rtp/ports.ts";

const open: dgram.Socket[] = [];
afterEach(() => {
	for (const s of open.splice(0)) {
		try {
			s.close();
		} catch {}
	}
});

/** An even base port with `span` free-looking ports after it. */
const base = () => 42000 + 2 * Math.floor(Math.random() * 1500);

/** Another process's socket on `port`, as a second dialer would bind it. */
async function squat(port: number, reusePort: boolean): Promise<dgram.Socket> {
	const s = dgram.createSocket({ type: "udp4", reusePort });
	open.push(s);
	await new Promise<void>((resolve, reject) => {
		s.once("error", reject);
		s.bind(port, "127.0.0.1", () => resolve());
	});
	return s;
}

async function take(pool: PortPool) {
	const got = await pool.bind();
	open.push(got.socket, got.rtcp);
	return got;
}

describe("RTP port pool", () => {
	it("hands out even ports of the range, each once", async () => {
		const min = base();
		const pool = new PortPool("127.0.0.1", min, min + 7);
		const ports = [(await take(pool)).port, (await take(pool)).port, (await take(pool)).port];
		expect(ports.every((p) => p % 2 === 0 && p >= min && p <= min + 7)).toBe(true);
		expect(new Set(ports).size).toBe(3);
		expect(pool.inUse).toBe(3);
	});

	it("skips a port another dialer holds with SO_REUSEPORT instead of sharing it", async () => {
		const min = base();
		await squat(min, true);
		await squat(min + 2, false);
		const pool = new PortPool("127.0.0.1", min, min + 5);
		const { port } = await take(pool);
		expect(port).toBe(min + 4);
		await expect(pool.bind()).rejects.toThrow(/RTP port range exhausted/);
	});

	it("binds RTCP on the odd port above, and skips a pair whose RTCP port is taken", async () => {
		const min = base();
		await squat(min + 1, false);
		const pool = new PortPool("127.0.0.1", min, min + 3);
		const { port, rtcp } = await take(pool);
		expect([port, rtcp.address().port]).toEqual([min + 2, min + 3]);
		// The top even port has no odd port inside the range: never handed out.
		const top = new PortPool("127.0.0.1", min + 10, min + 12);
		expect((await take(top)).port).toBe(min + 10);
		await expect(top.bind()).rejects.toThrow(/exhausted/);
	});

	it("gives a released port out again", async () => {
		const min = base();
		const pool = new PortPool("127.0.0.1", min, min + 1);
		const first = await take(pool);
		await expect(pool.bind()).rejects.toThrow(/exhausted/);
		for (const s of [first.socket, first.rtcp]) {
			await new Promise<void>((r) => s.close(() => r()));
			open.splice(open.indexOf(s), 1);
		}
		first.release();
		expect((await take(pool)).port).toBe(first.port);
	});
});
