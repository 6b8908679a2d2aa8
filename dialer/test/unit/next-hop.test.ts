/**
 * The next hop of in-dialog requests (RFC 3261 §12.2.1.1, §8.1.2) as a pure
 * choice under the call's deny list, the lookup step with a fake resolver,
 * and the Request-URI / Route of loose and strict routing.
 */
import { DEFAULT_HOST_DENY } from "@hatch/shared/host-policy";
import { describe, expect, it, vi } from "vitest";
import type { Logger } from "../../src/log.ts";
import { type Lookup, refusal } from "../../src/sip/destination.ts";
import { chooseNextHop as choose, resolveHop as resolve } from "../../src/sip/next-hop.ts";
import type { Endpoint } from "../../src/sip/transport.ts";
import { requestTarget } from "../../src/sip/uac-dialog.ts";
import { TEST_DENY } from "../helpers.ts";

const PROD = DEFAULT_HOST_DENY;
const TRUNK: Endpoint = { host: "203.0.113.5", port: 5060, transport: "udp" };
/** A trunk dialed by name, as destination.ts resolved it. */
const NAMED: Endpoint = { host: "198.51.100.40", port: 5061, transport: "tls", name: "sip.carrier.example" };
/** The production deny list unless a test names another. */
const chooseNextHop = (routes: string[], target: string | undefined, trunk: Endpoint, deny = PROD) =>
	choose(routes, target, trunk, deny);
const resolveHop = (c: Parameters<typeof resolve>[0], trunk: Endpoint, log: Logger, lookup?: Lookup) =>
	resolve(c, trunk, log, PROD, lookup);

describe("chooseNextHop", () => {
	it("takes the remote target when the route set is empty", () => {
		expect(chooseNextHop([], "sip:far@198.51.100.7:5070", TRUNK)).toEqual({
			kind: "address",
			endpoint: { host: "198.51.100.7", port: 5070, transport: "udp" },
		});
	});

	it("takes the first Route entry when there is one, whatever the Contact says", () => {
		const routes = ["<sip:198.51.100.8;lr>", "<sip:198.51.100.9:5090;lr>"];
		expect(chooseNextHop(routes, "sip:far@198.51.100.7:5070", TRUNK)).toEqual({
			kind: "address",
			endpoint: { host: "198.51.100.8", port: 5060, transport: "udp" },
		});
	});

	it("keeps the trunk when the hop is the trunk (same host, port and transport; host case ignored)", () => {
		expect(chooseNextHop([], "sip:far@203.0.113.5:5060", TRUNK)).toEqual({ kind: "trunk" });
		expect(chooseNextHop([], "sip:far@203.0.113.5", TRUNK)).toEqual({ kind: "trunk" }); // default port
		expect(chooseNextHop(["<sip:203.0.113.5;lr>"], "sip:far@198.51.100.7", TRUNK)).toEqual({ kind: "trunk" });
		expect(chooseNextHop([], "sips:gw@SIP.Carrier.Example", NAMED)).toEqual({ kind: "trunk" }); // 5061
		// sipp names itself in its Contact, with ;transport=UDP.
		const sipp: Endpoint = { host: "127.0.0.1", port: 40123, transport: "udp" };
		expect(chooseNextHop([], "sip:uas@127.0.0.1:40123;transport=UDP", sipp)).toEqual({ kind: "trunk" });
	});

	it("follows the URI's transport (sips: is TLS) and defaults to the trunk's", () => {
		const tcp = chooseNextHop([], "sip:far@198.51.100.7;transport=tcp", TRUNK);
		expect(tcp).toEqual({
			kind: "address",
			endpoint: { host: "198.51.100.7", port: 5060, transport: "tcp" },
		});
		const tls = chooseNextHop([], "sips:far@198.51.100.7", TRUNK);
		expect(tls).toEqual({
			kind: "address",
			endpoint: { host: "198.51.100.7", port: 5061, transport: "tls" },
		});
		const same = chooseNextHop([], "sip:far@198.51.100.7:5080", { ...TRUNK, transport: "tcp" });
		expect(same).toEqual({
			kind: "address",
			endpoint: { host: "198.51.100.7", port: 5080, transport: "tcp" },
		});
	});

	it("asks for a lookup when the host is a name", () => {
		expect(chooseNextHop(["<sip:edge.carrier.example:5070;lr>"], "sip:x@198.51.100.7", TRUNK)).toEqual({
			kind: "lookup",
			host: "edge.carrier.example",
			port: 5070,
			transport: "udp",
		});
	});

	it("falls back to the trunk (saying why) for an unusable URI, transport or port", () => {
		for (const target of ["tel:+15550100", "sip:x@198.51.100.7;transport=sctp", "sip:x@198.51.100.7:70000"]) {
			const c = chooseNextHop([], target, TRUNK);
			expect(c.kind, target).toBe("trunk");
			expect(c.kind === "trunk" && c.why, target).toBeTruthy();
		}
		expect(chooseNextHop(["garbage <"], "sip:x@198.51.100.7", TRUNK).kind).toBe("trunk");
	});

	it("hostile: refuses next hops on the deny list (metadata, loopback, private, multicast)", () => {
		for (const host of ["169.254.169.254", "127.0.0.1", "10.0.0.8", "192.168.1.1", "0.0.0.0", "224.0.0.1"]) {
			expect(chooseNextHop([], `sip:x@${host}:5060`, TRUNK).kind, host).toBe("trunk");
		}
		expect(chooseNextHop([], "sip:x@[::1]:5060", { ...TRUNK, transport: "tcp" }).kind).toBe("trunk");
		// The call's own list decides: the tests' leaves loopback open (sipp), one without `private` a LAN.
		const local: Endpoint = { host: "127.0.0.1", port: 5999, transport: "udp" };
		expect(chooseNextHop([], "sip:x@127.0.0.2:5070", local, TEST_DENY).kind).toBe("address");
		expect(chooseNextHop([], "sip:x@127.0.0.2:5070", local, PROD).kind).toBe("trunk");
		expect(chooseNextHop([], "sip:x@10.1.1.2", { ...TRUNK, host: "10.0.0.1" }, "loopback").kind).toBe(
			"address",
		);
		expect(chooseNextHop([], "sip:x@169.254.169.254", local, TEST_DENY).kind).toBe("trunk");
	});

	it("hostile: the trunk's own name in a Contact is the trunk's judged address, never looked up again", () => {
		expect(chooseNextHop([], "sips:gw@SIP.carrier.example", NAMED)).toEqual({ kind: "trunk" });
		// The same name on another port or transport is another service: looked up (and judged) anew.
		expect(chooseNextHop([], "sip:gw@sip.carrier.example:5070", NAMED).kind).toBe("lookup");
	});

	it("hostile: refuses every spelling of a refused range (IPv6 forms, IPv4-mapped, reserved, CGNAT)", () => {
		const tcp = { ...TRUNK, transport: "tcp" as const };
		for (const host of [
			"[::ffff:7f00:1]", // 127.0.0.1, IPv4-mapped in hex
			"[0:0:0:0:0:0:0:1]", // ::1 uncompressed
			"[::ffff:a9fe:a9fe]", // 169.254.169.254, the metadata service
			"[::ffff:10.0.0.1]",
			"[64:ff9b::a00:1]", // NAT64 of 10.0.0.1
			"[fd00::1]",
			"192.0.0.5",
			"198.18.0.1",
			"100.64.0.1",
		]) {
			expect(chooseNextHop([], `sip:x@${host}:5060`, tcp).kind, host).toBe("trunk");
		}
		expect(refusal("::ffff:7f00:1", "tcp", PROD)).toBe("loopback address ::ffff:7f00:1");
		// A list without cgnat allows it; multicast and reserved are never a destination, whatever the list.
		expect(refusal("100.64.0.9", "udp", "private")).toBeUndefined();
		expect(refusal("224.0.0.9", "udp", "")).toMatch(/multicast/);
		expect(refusal("0.0.0.0", "udp", "")).toMatch(/reserved/);
		// What the policy cannot read it cannot allow.
		expect(refusal("fe80::1%eth0", "tcp", "")).toMatch(/unreadable/);
	});

	it("never sends an IPv6 next hop over UDP (the SIP socket is IPv4)", () => {
		expect(refusal("2001:db8::1", "udp", PROD)).toMatch(/IPv6/);
		expect(refusal("2001:db8::1", "tcp", PROD)).toBeUndefined();
	});
});

function recordingLog() {
	const warned: string[] = [];
	const log: Logger = { info() {}, warn: (m, f) => warned.push(`${m} ${JSON.stringify(f)}`), error() {} };
	return { log, warned };
}

describe("resolveHop", () => {
	it("needs no lookup for the trunk or an address (returns at once, not a promise)", () => {
		const { log } = recordingLog();
		const lookup = vi.fn<Lookup>();
		expect(resolveHop({ kind: "trunk" }, TRUNK, log, lookup)).toBe(TRUNK);
		const ep: Endpoint = { host: "198.51.100.7", port: 5070, transport: "udp" };
		expect(resolveHop({ kind: "address", endpoint: ep }, TRUNK, log, lookup)).toBe(ep);
		expect(lookup).not.toHaveBeenCalled();
	});

	it("sends to the looked-up address, keeping the name beside it for TLS (the certificate names it)", async () => {
		const { log } = recordingLog();
		const lookup: Lookup = async () => ["198.51.100.30"];
		const udp = { kind: "lookup", host: "edge.example", port: 5070, transport: "udp" } as const;
		expect(await resolveHop(udp, TRUNK, log, lookup)).toEqual({
			host: "198.51.100.30",
			port: 5070,
			transport: "udp",
			name: "edge.example",
		});
		const tls = { ...udp, transport: "tls" } as const;
		expect(await resolveHop(tls, TRUNK, log, lookup)).toEqual({
			host: "198.51.100.30",
			port: 5070,
			transport: "tls",
			name: "edge.example",
		});
	});

	it("falls back to the trunk, logged, when the lookup fails or finds nothing", async () => {
		const { log, warned } = recordingLog();
		const choice = { kind: "lookup", host: "gone.example", port: 5060, transport: "udp" } as const;
		const failing: Lookup = async () => {
			throw new Error("getaddrinfo ENOTFOUND gone.example");
		};
		expect(await resolveHop(choice, TRUNK, log, failing)).toBe(TRUNK);
		expect(await resolveHop(choice, TRUNK, log, async () => [])).toBe(TRUNK);
		expect(warned).toHaveLength(2);
		expect(warned[0]).toMatch(/sending to the trunk.*gone\.example.*ENOTFOUND/);
	});

	it("falls back to the trunk when the lookup hangs", async () => {
		vi.useFakeTimers();
		try {
			const { log, warned } = recordingLog();
			const choice = { kind: "lookup", host: "slow.example", port: 5060, transport: "udp" } as const;
			const hop = resolveHop(choice, TRUNK, log, () => new Promise(() => {}));
			vi.advanceTimersByTime(2000);
			expect(await hop).toBe(TRUNK);
			expect(warned[0]).toMatch(/timed out/);
		} finally {
			vi.useRealTimers();
		}
	});

	it("hostile: a name that resolves to a refused address gives the trunk", async () => {
		const { log } = recordingLog();
		const choice = { kind: "lookup", host: "evil.example", port: 80, transport: "udp" } as const;
		expect(await resolveHop(choice, TRUNK, log, async () => ["169.254.169.254"])).toBe(TRUNK);
		// One refused address among good ones is enough: the next lookup might answer it.
		expect(await resolveHop(choice, TRUNK, log, async () => ["198.51.100.1", "127.0.0.1"])).toBe(TRUNK);
	});

	it("over TCP/TLS, the named trunk's own address keeps the trunk's connection (and name), with no lookup", () => {
		const { log } = recordingLog();
		const lookup = vi.fn<Lookup>();
		const own = {
			kind: "address",
			endpoint: { host: "198.51.100.40", port: 5061, transport: "tls" },
		} as const;
		expect(resolveHop(own, NAMED, log, lookup)).toBe(NAMED);
		const other = {
			kind: "address",
			endpoint: { host: "198.51.100.50", port: 5061, transport: "tls" },
		} as const;
		expect(resolveHop(other, NAMED, log, lookup)).toEqual(other.endpoint);
		expect(lookup).not.toHaveBeenCalled();
	});
});

describe("requestTarget (loose and strict routing)", () => {
	const target = "sip:far@198.51.100.7:5070";

	it("with no route set or a loose first hop, the remote target is the Request-URI", () => {
		expect(requestTarget({ routeSet: [], target })).toEqual({ uri: target, routes: [] });
		const routes = ["<sip:p1.example;lr>", "<sip:p2.example;lr>"];
		expect(requestTarget({ routeSet: routes, target })).toEqual({ uri: target, routes });
		expect(requestTarget({ routeSet: ["<sip:p1.example;lr=on>"], target }).uri).toBe(target);
	});

	it("a strict first hop becomes the Request-URI (minus method and headers); the target goes last", () => {
		expect(
			requestTarget({ routeSet: ["<sip:p1.example;method=INVITE?x=y>", "<sip:p2.example;lr>"], target }),
		).toEqual({ uri: "sip:p1.example", routes: ["<sip:p2.example;lr>", `<${target}>`] });
		// ";lrx" is not ";lr".
		expect(requestTarget({ routeSet: ["<sip:p1.example;lrx>"], target }).uri).toBe("sip:p1.example;lrx");
	});
});
