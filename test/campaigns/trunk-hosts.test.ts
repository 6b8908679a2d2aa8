/**
 * Issue 13 item 1, the Worker's half: a trunk host is a DNS name or a
 * canonical IP literal, nothing else (every other numeric spelling is an
 * address the C resolver reads and the deny list would not), on POST and
 * PATCH; and the deny list in force travels with every call to the dialer,
 * which judges what names resolve to.
 */
import { env } from "cloudflare:test";
import { CallRequest } from "@hatch/contract/dialer";
import { describe, expect, it } from "vitest";
import { HttpDialer } from "../../src/domain/dialer/http-dialer";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { makeSound, makeTrunk, useFakeDialer } from "./helpers";

/** Every spelling the attack found accepted, and relatives (all are 127.0.0.1, 10.0.0.1, 169.254.169.254 or 0.0.0.0). */
const DISGUISED = [
	"2130706433",
	"127.1",
	"0x7f000001",
	"0",
	"10.1",
	"0xa000001",
	"167772161",
	"012.0.0.1",
	"0xa9fea9fe",
	"2852039166",
	"169.254.43518",
	"0177.0.0.1",
	"127.000.000.001",
	"0x7f.0.0.1",
	"1.0x7f",
	"127.0.1",
	"localhost",
	"[127.0.0.1]",
	"::ffff:127.1",
	"fe80::1%25eth0",
	"sip.example.com.",
	"-sip.example.com",
	// All-numeric (or hex) top labels: names no registry hands out, addresses to some resolvers.
	"sip.123",
	"1.2.3.4.5",
	"127.0.0.1.5",
	"gw.0x7f",
	"10.0.0.1:5060",
];

const dialer = useFakeDialer();

const count = async (ownerId: string) =>
	(
		await env.DB.prepare("SELECT COUNT(*) AS n FROM sip_trunks WHERE owner_id = ?")
			.bind(ownerId)
			.first<{ n: number }>()
	)?.n;

describe("trunk host syntax", () => {
	it("refuses every disguised address with 422 SIP_HOST_INVALID on POST, storing nothing", async () => {
		const u = await createTestUser();
		for (const host of DISGUISED) {
			const res = await api("/v1/sip-trunks", { method: "POST", headers: u.auth, json: { name: "x", host } });
			expect(res.status, host).toBe(422);
			expect(await errorCode(res), host).toBe("SIP_HOST_INVALID");
		}
		expect(await count(u.id)).toBe(0);
	});

	it("refuses them on PATCH too, leaving the trunk as it was", async () => {
		const u = await createTestUser();
		const trunk = await makeTrunk(u, { host: "sip.example.com" });
		for (const host of DISGUISED) {
			const res = await api(`/v1/sip-trunks/${trunk.id}`, {
				method: "PATCH",
				headers: u.auth,
				json: { host },
			});
			expect(res.status, host).toBe(422);
			expect(await errorCode(res), host).toBe("SIP_HOST_INVALID");
		}
		const after = await (await api(`/v1/sip-trunks/${trunk.id}`, { headers: u.auth })).json<{
			host: string;
		}>();
		expect(after.host).toBe("sip.example.com");
	});

	it("accepts names and canonical literals, and still denies listed ranges by their canonical spelling", async () => {
		const u = await createTestUser();
		for (const host of [
			"sip.example.com",
			"GW-1.carrier.example",
			"203.0.113.5",
			"2001:db8::5",
			"[2001:db8::6]",
		]) {
			const res = await api("/v1/sip-trunks", { method: "POST", headers: u.auth, json: { name: "x", host } });
			expect(res.status, host).toBe(201);
		}
		const denied = await api("/v1/sip-trunks", {
			method: "POST",
			headers: u.auth,
			json: { name: "x", host: "169.254.169.254" },
		});
		expect(await errorCode(denied)).toBe("SIP_HOST_DENIED");
	});

	it("a trunk saved before the rule cannot be dialed: the test call refuses it, nothing reaches the dialer", async () => {
		const u = await createTestUser();
		const trunk = await makeTrunk(u);
		const sound = await makeSound(u);
		await env.DB.prepare("UPDATE sip_trunks SET host = '2130706433' WHERE id = ?").bind(trunk.id).run();
		const res = await api(`/v1/sip-trunks/${trunk.id}/test-call`, {
			method: "POST",
			headers: u.auth,
			json: { to: "+14155550100", sound_id: sound.id },
		});
		expect(res.status).toBe(422);
		expect(await errorCode(res)).toBe("SIP_HOST_INVALID");
		expect(dialer().calls).toHaveLength(0);
	});

	it("a stranger's PATCH with a disguised host is 404, not a hint about the rule", async () => {
		const alice = await createTestUser();
		const mallory = await createTestUser();
		const trunk = await makeTrunk(alice, { host: "sip.example.com" });
		const res = await api(`/v1/sip-trunks/${trunk.id}`, {
			method: "PATCH",
			headers: mallory.auth,
			json: { host: "127.1" },
		});
		expect(res.status).toBe(404);
	});
});

describe("HttpDialer", () => {
	it("sends SIP_HOST_DENY with every call, in a body the dialer's own schema accepts", async () => {
		const seen: unknown[] = [];
		const http = new HttpDialer(
			async (req) => {
				seen.push(await req.json());
				return Response.json({ call_id: "c1", state: "trying" }, { status: 201 });
			},
			"http://dialer.test",
			env.DIALER_SECRET,
			env.SIP_HOST_DENY,
		);
		const r = await http.createCall({
			call_id: "c1",
			to: "+14155550100",
			trunk: { host: "sip.example.com" },
			audio: { url: "https://hatch.test/v1/dialer/sounds/x" },
		});
		expect(r).toEqual({ ok: true, state: "trying" });
		expect(seen[0]).toMatchObject({ host_deny: env.SIP_HOST_DENY });
		expect(CallRequest.safeParse(seen[0]).success).toBe(true);
	});

	it("reads the dialer's error codes: CALL_EXISTS, capacity, refusals with their code", async () => {
		const answer = (status: number, code: string) =>
			new HttpDialer(
				async () => Response.json({ error: { code, message: "m", requestId: "r" } }, { status }),
				"http://dialer.test",
				env.DIALER_SECRET,
				"",
			);
		const req = { call_id: "c", to: "1", trunk: { host: "sip.example.com" }, audio: { inline: "AA==" } };
		expect(await answer(409, "CALL_EXISTS").createCall(req)).toMatchObject({
			ok: false,
			code: "CALL_EXISTS",
		});
		expect(await answer(503, "AT_CAPACITY").createCall(req)).toMatchObject({
			ok: false,
			code: "AT_CAPACITY",
		});
		expect(await answer(400, "INVALID_TRUNK_HOST").createCall(req)).toMatchObject({
			ok: false,
			code: "REJECTED",
			message: "INVALID_TRUNK_HOST: m",
		});
	});
});
