/**
 * Issue 13 item 1: a socket's error text says which internal ports answer,
 * so a trunk's test call would be a port scanner if it were shown. Whatever a
 * dialer sends, the trunk's last_test and a campaign's call records say
 * "gateway unreachable"; a gateway's own reason phrase is kept.
 */
import { publicReason } from "@hatch/contract/dialer";
import { describe, expect, it } from "vitest";
import { api } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { makeCampaign, makeSound, makeTrunk, pumpUntil, sendEvents, useFakeDialer } from "./helpers";

const SOCKET_ERRORS = [
	"connect ECONNREFUSED 127.0.0.1:1",
	"read ECONNRESET",
	"connect EHOSTUNREACH 10.0.0.9:5060",
	"getaddrinfo ENOTFOUND redis.internal",
	"connect ETIMEDOUT 169.254.169.254:80",
	"socket hang up",
];

const dialer = useFakeDialer();

describe("socket errors in call reasons", () => {
	it("the rule: socket errors become the fixed phrase, gateway phrases stay", () => {
		for (const r of SOCKET_ERRORS) expect(publicReason(r), r).toBe("gateway unreachable");
		for (const r of [
			"Busy Here",
			"Service Unavailable",
			"audio finished",
			"no response from gateway (timer B)",
		])
			expect(publicReason(r), r).toBe(r);
	});

	it("a test call's last_test never shows one", async () => {
		const u = await createTestUser();
		const trunk = await makeTrunk(u);
		const sound = await makeSound(u);
		for (const reason of SOCKET_ERRORS) {
			const res = await api(`/v1/sip-trunks/${trunk.id}/test-call`, {
				method: "POST",
				headers: u.auth,
				json: { to: "+14155550100", sound_id: sound.id },
			});
			const { call_id } = await res.json<{ call_id: string }>();
			const at = new Date().toISOString();
			expect(
				(
					await sendEvents([
						{ call_id, seq: 1, type: "trying", at },
						{ call_id, seq: 2, type: "failed", at, sip_code: 0, reason },
					])
				).status,
			).toBe(200);
			const t = await (await api(`/v1/sip-trunks/${trunk.id}`, { headers: u.auth })).json<{
				last_test: Record<string, unknown>;
			}>();
			expect(t.last_test, reason).toMatchObject({ call_id, state: "failed", reason: "gateway unreachable" });
		}
	});

	it("a campaign's call records and calls.csv never show one", async () => {
		const user = await createTestUser();
		const c = await makeCampaign(user, ["+14155550101"]);
		await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth });
		await pumpUntil(c.id, () => dialer().calls.length >= 1);
		const callId = dialer().calls[0]?.call_id ?? "";
		const at = new Date().toISOString();
		await sendEvents([
			{ call_id: callId, seq: 1, type: "trying", at },
			{
				call_id: callId,
				seq: 2,
				type: "failed",
				at,
				sip_code: 0,
				reason: "connect ECONNREFUSED 127.0.0.1:1",
			},
		]);
		const page = await (await api(`/v1/campaigns/${c.id}/calls`, { headers: user.auth })).json<{
			items: { call_id: string; reason: string | null }[];
		}>();
		expect(page.items.find((r) => r.call_id === callId)?.reason).toBe("gateway unreachable");
		const csv = await (await api(`/v1/campaigns/${c.id}/calls.csv`, { headers: user.auth })).text();
		expect(csv).toContain("gateway unreachable");
		expect(csv).not.toContain("ECONNREFUSED");
	});
});
