/**
 * Issue 13 item 1, push half: a web-push endpoint is a destination the user
 * chooses, so it gets the trunk host's rule. Refused when a device registers
 * (REST and the socket's device.register, 422 with a stable code, nothing
 * stored), and judged again with its name resolved when a push is sent.
 */
import { describe, expect, it } from "vitest";
import { endpointProblem, type Resolve } from "../../src/domain/push/endpoint-policy";
import { webPush } from "../../src/providers/push/webpush";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";
import { newP256 } from "./helpers";

// RFC 8291 Appendix A's user agent keys: a subscription the provider can encrypt for.
const KEYS = {
	p256dh: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
	auth: "BTBZMqHH6r4Tts7J_aSIgg",
};
const token = (endpoint: string) => JSON.stringify({ endpoint, keys: KEYS });

/** Not https, not port 443, user info, or an address in disguise: PUSH_ENDPOINT_INVALID. */
const INVALID = [
	"http://push.example.net/x",
	"https://10.0.0.1:8443/",
	"https://push.example.net:8443/x",
	"https://user@push.example.net/x",
	"https://push.example.net@127.0.0.1/x",
	"https://2130706433/",
	"https://127.1/",
	"https://0x7f000001/",
	"https://0/",
	"https://10.1/",
	"https://0xa000001/",
	"https://167772161/",
	"https://012.0.0.1/",
	"https://0xa9fea9fe/",
	"https://2852039166/",
	"https://169.254.43518/",
	"https://push.123/",
	"https://localhost/",
	"https://push.example.net./x",
	"https://push.example.net\\@127.0.0.1/",
	"https://push.exam\tple.net/",
	"ftp://push.example.net/",
	"//push.example.net/",
];
/** Canonically written but inside: PUSH_ENDPOINT_DENIED. */
const DENIED = [
	"https://169.254.169.254/",
	"https://10.0.0.1/",
	"https://127.0.0.1/x",
	"https://[::1]/",
	"https://[::ffff:10.0.0.1]/",
	"https://[fd00::1]/",
	"https://100.64.0.1/",
	"https://push.localhost/",
];

describe("push endpoint rule", () => {
	it("takes the endpoints browsers hand out", () => {
		for (const e of [
			"https://fcm.googleapis.com/fcm/send/abc:def",
			"https://updates.push.services.mozilla.com/wpush/v2/gAAA",
			"https://web.push.apple.com:443/QGuQ",
			"https://203.0.113.5/x",
			"https://[2001:db8::5]/x",
		]) {
			expect(endpointProblem(e), e).toBeNull();
		}
	});

	it("refuses the rest with a stable code", () => {
		for (const e of INVALID) expect(endpointProblem(e)?.code, e).toBe("PUSH_ENDPOINT_INVALID");
		for (const e of DENIED) expect(endpointProblem(e)?.code, e).toBe("PUSH_ENDPOINT_DENIED");
	});
});

describe("registration", () => {
	it("POST /v1/devices refuses each with 422 and stores nothing", async () => {
		const u = await createTestUser();
		for (const [endpoints, code] of [
			[INVALID, "PUSH_ENDPOINT_INVALID"],
			[DENIED, "PUSH_ENDPOINT_DENIED"],
		] as const) {
			for (const e of endpoints) {
				const res = await api("/v1/devices", {
					method: "POST",
					headers: u.auth,
					json: { type: "webpush", device_id: "d", push_token: token(e) },
				});
				expect(res.status, e).toBe(422);
				expect(await errorCode(res), e).toBe(code);
			}
		}
		const list = await (await api("/v1/devices", { headers: u.auth })).json<{ devices: unknown[] }>();
		expect(list.devices).toEqual([]);
	});

	it("a refused registration leaves the device's earlier token in place", async () => {
		const u = await createTestUser();
		const ok = token("https://push.example.net/x");
		const first = await api("/v1/devices", {
			method: "POST",
			headers: u.auth,
			json: { type: "webpush", device_id: "d", push_token: ok },
		});
		expect(first.status).toBe(200);
		const res = await api("/v1/devices", {
			method: "POST",
			headers: u.auth,
			json: { type: "webpush", device_id: "d", push_token: token("https://169.254.169.254/") },
		});
		expect(res.status).toBe(422);
		const list = await (await api("/v1/devices", { headers: u.auth })).json<{
			devices: { device_id: string; updated_at: number; created_at: number }[];
		}>();
		expect(list.devices).toHaveLength(1);
		expect(list.devices[0]?.updated_at).toBe(list.devices[0]?.created_at);
	});

	it("the socket's device.register applies the same rule", async () => {
		const u = await createTestUser();
		const ws = await WsClient.connect(u);
		for (const [e, code] of [
			["https://169.254.169.254/", "PUSH_ENDPOINT_DENIED"],
			["https://10.0.0.1:8443/", "PUSH_ENDPOINT_INVALID"],
			["https://0xa9fea9fe/", "PUSH_ENDPOINT_INVALID"],
		] as const) {
			const reply = await ws.call({
				type: "device.register",
				device_type: "webpush",
				device_id: "d",
				push_token: token(e),
			});
			expect(reply, e).toMatchObject({ type: "error", code: 422, reason: code });
		}
		ws.close();
		const list = await (await api("/v1/devices", { headers: u.auth })).json<{ devices: unknown[] }>();
		expect(list.devices).toEqual([]);
	});
});

describe("sending", () => {
	const vapid = async () => {
		const { d, pub } = await newP256();
		return { VAPID_PUBLIC_KEY: pub, VAPID_PRIVATE_KEY: d };
	};
	const n = { title: "t", body: "b", data: {} };

	function harness(resolve: Resolve) {
		const posted: string[] = [];
		const fetcher = (async (input: RequestInfo | URL) => {
			posted.push(new Request(input).url);
			return new Response(null, { status: 201 });
		}) as typeof fetch;
		return { posted, make: async () => webPush(await vapid(), fetcher, resolve) };
	}
	const device = (endpoint: string) => ({
		device_id: "d",
		type: "webpush" as const,
		push_token: token(endpoint),
	});

	it("resolves the name and posts only when every address is public", async () => {
		const h = harness(async () => ["203.0.113.7", "2001:db8::7"]);
		const p = await h.make();
		expect(await p.send(device("https://push.example.net/x"), n)).toBe("sent");
		expect(h.posted).toEqual(["https://push.example.net/x"]);
	});

	it("a name that now resolves inside (DNS rebinding) drops the device without a request", async () => {
		const answers = [["203.0.113.7"], ["127.0.0.1"]];
		let lookups = 0;
		const h = harness(async () => answers[lookups++] ?? []);
		const p = await h.make();
		expect(await p.send(device("https://push.example.net/x"), n)).toBe("sent");
		expect(await p.send(device("https://push.example.net/x"), n)).toBe("gone");
		expect(lookups).toBe(2);
		expect(h.posted).toHaveLength(1);
	});

	it("one private address among public ones is enough to refuse", async () => {
		const h = harness(async () => ["203.0.113.7", "10.0.0.1"]);
		expect(await (await h.make()).send(device("https://push.example.net/x"), n)).toBe("gone");
		expect(h.posted).toEqual([]);
	});

	it("a device stored before the rule is dropped at send time, unresolved names are only skipped", async () => {
		const h = harness(async () => {
			throw new Error("SERVFAIL");
		});
		const p = await h.make();
		expect(await p.send(device("https://169.254.169.254/latest/meta-data/"), n)).toBe("gone");
		expect(await p.send(device("https://2130706433/"), n)).toBe("gone");
		expect(await p.send(device("https://push.example.net/x"), n)).toBe("failed");
		expect(h.posted).toEqual([]);
	});
});
