/**
 * destination.ts, the gate every SIP destination passes: literals judged at
 * once, names looked up once with every address judged, the endpoint carrying
 * the judged address; and the transport, which never sends to a name.
 */
import dgram from "node:dgram";
import { DEFAULT_HOST_DENY } from "@hatch/shared/host-policy";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/log.ts";
import {
	DestinationRefused,
	type Lookup,
	resolveDestination,
	whenResolved,
} from "../../src/sip/destination.ts";
import { SipTransport } from "../../src/sip/transport.ts";
import { TEST_DENY } from "../helpers.ts";

const PROD = DEFAULT_HOST_DENY;

/** The refusal `f` throws or rejects with. */
async function refusalOf(f: () => unknown): Promise<DestinationRefused> {
	try {
		await f();
	} catch (err) {
		if (err instanceof DestinationRefused) return err;
		throw err;
	}
	throw new Error("not refused");
}

describe("resolveDestination", () => {
	it("takes an allowed IP literal at once (no lookup, not a promise)", () => {
		const lookup = vi.fn<Lookup>();
		expect(resolveDestination("203.0.113.5", 5060, "udp", PROD, lookup)).toEqual({
			host: "203.0.113.5",
			port: 5060,
			transport: "udp",
		});
		expect(resolveDestination("[2001:db8::5]", 5061, "tls", PROD, lookup)).toMatchObject({
			host: "2001:db8::5",
		});
		expect(lookup).not.toHaveBeenCalled();
	});

	it("refuses a denied literal synchronously, with a fixed reason and the detail apart", async () => {
		const r = await refusalOf(() => resolveDestination("169.254.169.254", 5060, "udp", PROD));
		expect(r.reason).toBe("gateway address not allowed");
		expect(r.detail).toMatch(/link-local/);
	});

	it("refuses what the host rule refuses, before any lookup: numeric disguises are not names", async () => {
		const lookup = vi.fn<Lookup>(async () => ["203.0.113.5"]);
		for (const host of ["2130706433", "127.1", "0x7f000001", "012.0.0.1", "169.254.43518", "localhost"]) {
			const r = await refusalOf(() => resolveDestination(host, 5060, "udp", "", lookup));
			expect(r.reason, host).toBe("gateway host invalid");
		}
		expect(lookup).not.toHaveBeenCalled();
	});

	it("hostile: refuses a name that resolves to loopback (or any denied range)", async () => {
		for (const address of ["127.0.0.1", "10.0.0.7", "169.254.169.254", "::ffff:7f00:1", "0.0.0.0"]) {
			const r = await refusalOf(() =>
				resolveDestination("gw.evil.example", 5060, "tcp", PROD, async () => [address]),
			);
			expect(r.reason, address).toBe("gateway address not allowed");
		}
	});

	it("hostile: one denied address among allowed ones refuses the name (the next lookup may pick it)", async () => {
		const lookup: Lookup = async () => ["203.0.113.5", "127.0.0.1"];
		const r = await refusalOf(() => resolveDestination("gw.evil.example", 5060, "udp", PROD, lookup));
		expect(r.reason).toBe("gateway address not allowed");
	});

	it("looks a name up once and hands back the judged address with the name beside it", async () => {
		const lookup = vi.fn<Lookup>(async () => ["203.0.113.9", "203.0.113.10"]);
		expect(await resolveDestination("sip.example.com", 5060, "udp", PROD, lookup)).toEqual({
			host: "203.0.113.9",
			port: 5060,
			transport: "udp",
			name: "sip.example.com",
		});
		expect(lookup).toHaveBeenCalledTimes(1);
		expect(lookup).toHaveBeenCalledWith("sip.example.com", 4); // UDP: the SIP socket is IPv4
	});

	it("a name that does not resolve, resolves to nothing or hangs is refused as unresolvable", async () => {
		const gone: Lookup = async () => {
			throw new Error("getaddrinfo ENOTFOUND gone.example");
		};
		expect((await refusalOf(() => resolveDestination("gone.example", 5060, "udp", PROD, gone))).reason).toBe(
			"gateway name did not resolve",
		);
		expect(
			(await refusalOf(() => resolveDestination("empty.example", 5060, "udp", PROD, async () => []))).reason,
		).toBe("gateway name did not resolve");
		vi.useFakeTimers();
		try {
			const hang = resolveDestination("slow.example", 5060, "udp", PROD, () => new Promise(() => {}));
			const refused = refusalOf(() => hang);
			await vi.advanceTimersByTimeAsync(2000);
			expect((await refused).detail).toMatch(/timed out/);
		} finally {
			vi.useRealTimers();
		}
	});

	it("with no list given, judges by the production list (never open by default)", async () => {
		const r = await refusalOf(() => resolveDestination("127.0.0.1", 5060, "udp", undefined));
		expect(r.reason).toBe("gateway address not allowed");
		expect(resolveDestination("127.0.0.1", 5060, "udp", TEST_DENY)).toMatchObject({ host: "127.0.0.1" });
	});

	it("whenResolved never calls back inside the caller's stack for a refusal", async () => {
		const seen: string[] = [];
		whenResolved(
			"127.0.0.1",
			5060,
			"udp",
			PROD,
			vi.fn(),
			() => seen.push("ready"),
			(r) => seen.push(r.reason),
		);
		seen.push("returned");
		await Promise.resolve();
		expect(seen).toEqual(["returned", "gateway address not allowed"]);
	});
});

describe("SipTransport", () => {
	it("hostile: never sends to a name (no lookup behind our back); reports an error instead", async () => {
		const listener = dgram.createSocket("udp4");
		const got: string[] = [];
		listener.on("message", (m) => got.push(m.toString()));
		await new Promise<void>((r) => listener.bind(0, "127.0.0.1", () => r()));
		const port = listener.address().port;
		const transport = new SipTransport({ bindHost: "127.0.0.1", port: 0, log: createLogger("silent") });
		await transport.start();
		const errors: string[] = [];
		transport.events = { message() {}, error: (_d, e) => errors.push(e.message) };
		try {
			// "localhost" resolves to 127.0.0.1 through getaddrinfo: a send by name would arrive.
			transport.send({ host: "localhost", port, transport: "udp" }, Buffer.from("by name"));
			transport.send({ host: "127.0.0.1", port, transport: "udp" }, Buffer.from("marker"));
			await vi.waitFor(() => expect(got).toContain("marker"));
			expect(got).toEqual(["marker"]);
			await vi.waitFor(() => expect(errors).toEqual(["unresolved destination"]));
		} finally {
			transport.close();
			listener.close();
		}
	});
});
