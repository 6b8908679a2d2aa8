/**
 * Start-up configuration: what a deployment may set, and that a setting which
 * would make calls fail quietly (a wildcard bind with no public address, an
 * unknown send mode) stops the dialer at start with the variable named.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";

describe("config: DIALER_NATIVE_SEND", () => {
	const base = { DIALER_SECRET: "0123456789abcdef0123" };
	it("defaults to auto and takes auto|on|off", () => {
		expect(loadConfig(base).nativeSend).toBe("auto");
		for (const v of ["auto", "on", "off"] as const)
			expect(loadConfig({ ...base, DIALER_NATIVE_SEND: v }).nativeSend).toBe(v);
	});

	it("refuses anything else, naming the variable", () => {
		for (const v of ["yes", "1", "ON", "native"])
			expect(() => loadConfig({ ...base, DIALER_NATIVE_SEND: v })).toThrow(
				/DIALER_NATIVE_SEND must be auto\|on\|off/,
			);
	});
});

describe("config: the public address", () => {
	const base = { DIALER_SECRET: "0123456789abcdef0123" };
	it("defaults to the SIP bind address when that is a real one", () => {
		expect(loadConfig({ ...base, DIALER_SIP_BIND: "192.0.2.10" }).publicIp).toBe("192.0.2.10");
		expect(loadConfig(base).publicIp).toBe("127.0.0.1");
		expect(loadConfig({ ...base, DIALER_HOST: "0.0.0.0", DIALER_PUBLIC_IP: "203.0.113.7" }).publicIp).toBe(
			"203.0.113.7",
		);
	});

	it("is required with a wildcard bind, instead of advertising 127.0.0.1", () => {
		for (const env of [{ DIALER_HOST: "0.0.0.0" }, { DIALER_SIP_BIND: "0.0.0.0" }, { DIALER_SIP_BIND: "::" }])
			expect(() => loadConfig({ ...base, ...env })).toThrow(/DIALER_PUBLIC_IP is required/);
	});

	it("must be an IPv4 address, as SDP and Contact carry it", () => {
		for (const v of ["sip.example.com", "2001:db8::1", "203.0.113", "1.2.3.4 "])
			expect(() => loadConfig({ ...base, DIALER_PUBLIC_IP: v })).toThrow(
				/DIALER_PUBLIC_IP must be an IPv4 address/,
			);
	});
});

describe("config: DIALER_BYE_PLAYOUT_MS", () => {
	const base = { DIALER_SECRET: "0123456789abcdef0123" };
	it("defaults to 250 ms and takes 0-2000", () => {
		expect(loadConfig(base).byePlayoutMs).toBe(250);
		expect(loadConfig({ ...base, DIALER_BYE_PLAYOUT_MS: "0" }).byePlayoutMs).toBe(0);
		expect(loadConfig({ ...base, DIALER_BYE_PLAYOUT_MS: "400" }).byePlayoutMs).toBe(400);
	});

	it("refuses what is not a whole number of ms in range, naming the variable", () => {
		for (const v of ["-1", "2001", "0.5", "soon"])
			expect(() => loadConfig({ ...base, DIALER_BYE_PLAYOUT_MS: v })).toThrow(
				/DIALER_BYE_PLAYOUT_MS must be/,
			);
	});
});

describe("config: DIALER_IO_URING", () => {
	const base = { DIALER_SECRET: "0123456789abcdef0123" };
	it("defaults to auto and takes auto|off; refuses anything else", () => {
		expect(loadConfig(base).ioUring).toBe("auto");
		expect(loadConfig({ ...base, DIALER_IO_URING: "off" }).ioUring).toBe("off");
		expect(() => loadConfig({ ...base, DIALER_IO_URING: "on" })).toThrow(/DIALER_IO_URING must be auto\|off/);
	});
});
