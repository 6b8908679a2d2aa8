/**
 * The pieces split out of the UAC: answering digest challenges (uac-auth.ts)
 * and answering the far end's in-dialog requests (uac-inbound.ts), against a
 * recording stand-in for the SIP agent (re-INVITEs: reinvite.test.ts, on sockets).
 */
import { describe, expect, it } from "vitest";
import type { SipAgent } from "../../src/sip/agent.ts";
import type { DialogView } from "../../src/sip/dialog-view.ts";
import { parseAuthParams } from "../../src/sip/digest.ts";
import { header, type SipRequest, type SipResponse } from "../../src/sip/message.ts";
import { answerChallenge, reauthorized } from "../../src/sip/uac-auth.ts";
import { answerInDialog } from "../../src/sip/uac-inbound.ts";
import { UasDialogs } from "../../src/sip/uas-dialog.ts";

const challenge = (status: 401 | 407, extra = ""): SipResponse => ({
	kind: "response",
	status,
	reason: "Unauthorized",
	headers: [
		[
			status === 401 ? "www-authenticate" : "proxy-authenticate",
			`Digest realm="gw", nonce="abc, def", qop="auth"${extra}`,
		],
	],
	body: "",
});

describe("answerChallenge", () => {
	it("answers a 401 with Authorization and a 407 with Proxy-Authorization (auth username preferred)", () => {
		const trunk = { username: "alice", authUsername: "alice-auth", password: "s3cret" };
		const a = answerChallenge(challenge(401), trunk, "INVITE", "sip:1555@gw", 1);
		expect(a?.header[0]).toBe("authorization");
		const p = parseAuthParams(a?.header[1].replace(/^Digest\s+/, "") ?? "");
		expect(p).toMatchObject({
			username: "alice-auth",
			realm: "gw",
			nonce: "abc, def",
			uri: "sip:1555@gw",
			nc: "00000001",
			qop: "auth",
		});
		expect(a?.stale).toBe(false);
		const b = answerChallenge(challenge(407, ", stale=true"), trunk, "BYE", "sip:x@y", 2);
		expect(b?.header[0]).toBe("proxy-authorization");
		expect(b?.stale).toBe(true);
	});

	it("gives nothing without credentials or without a usable challenge", () => {
		expect(answerChallenge(challenge(401), { username: "a" }, "INVITE", "sip:x@y", 1)).toBeUndefined();
		expect(answerChallenge(challenge(401), { password: "p" }, "INVITE", "sip:x@y", 1)).toBeUndefined();
		const none: SipResponse = { ...challenge(401), headers: [] };
		expect(answerChallenge(none, { username: "a", password: "p" }, "INVITE", "sip:x@y", 1)).toBeUndefined();
	});

	it("reauthorized() swaps credentials, Via and CSeq and keeps the rest", () => {
		const req: SipRequest = {
			kind: "request",
			method: "BYE",
			uri: "sip:far@gw",
			headers: [
				["via", "SIP/2.0/UDP me;branch=z9hG4bKold"],
				["cseq", "3 BYE"],
				["proxy-authorization", "Digest old"],
				["call-id", "c1"],
			],
			body: "",
		};
		const again = reauthorized(req, ["authorization", "Digest new"], "SIP/2.0/UDP me;branch=z9hG4bKnew", 4);
		expect(again.headers).toEqual([
			["via", "SIP/2.0/UDP me;branch=z9hG4bKnew"],
			["cseq", "4 BYE"],
			["call-id", "c1"],
			["authorization", "Digest new"],
		]);
		expect(req.headers).toHaveLength(4); // the original is untouched
	});
});

function fakeAgent() {
	const answers: Array<{ status: number; extra: Array<[string, string]>; body?: string }> = [];
	const agent = {
		userAgent: "Hatch-Test",
		publicHost: "127.0.0.1",
		log: { info() {}, warn() {}, error() {} },
		uas: new UasDialogs({ t1: 20, t2: 80 }),
		respond: (
			_req: SipRequest,
			_src: unknown,
			status: number,
			_r: string,
			extra: Array<[string, string]> = [],
			body?: string,
		) => answers.push({ status, extra, body }),
	} as unknown as SipAgent;
	return { agent, answers };
}
const source = { host: "127.0.0.1", port: 5060, transport: "udp" as const };
let seq = 1;
const inDialog = (
	method: string,
	toTag = "ours",
	o: { fromTag?: string; cseq?: number } = {},
): SipRequest => ({
	kind: "request",
	method,
	uri: "sip:me@127.0.0.1",
	headers: [
		["to", `<sip:me@127.0.0.1>;tag=${toTag}`],
		["from", `<sip:gw@127.0.0.1>;tag=${o.fromTag ?? "far"}`],
		["call-id", "c1"],
		["cseq", `${o.cseq ?? seq++} ${method}`],
	],
	body: "",
});

describe("answerInDialog", () => {
	const dialog = (confirmed: boolean) => {
		const seen: string[] = [];
		const d: DialogView = {
			localTag: "ours",
			remoteTag: "far",
			contact: "<sip:me@127.0.0.1:5062>",
			confirmed,
			remoteBye: () => seen.push("bye"),
			reoffer: (sdp) => {
				seen.push(`reoffer:${sdp}`);
				return "v=0 ours";
			},
		};
		return { d, seen };
	};

	it("200s a BYE and then reports it; 200s OPTIONS, INFO and NOTIFY; ignores ACK", () => {
		const { agent, answers } = fakeAgent();
		const { d, seen } = dialog(true);
		for (const m of ["BYE", "OPTIONS", "INFO", "NOTIFY", "ACK"])
			answerInDialog(agent, inDialog(m), source, d);
		expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
		expect(seen).toEqual(["bye"]);
		expect(answers[1].extra).toContainEqual(["allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"]);
	});

	it("491s a re-INVITE before the dialog is confirmed (our INVITE is in progress)", () => {
		const { agent, answers } = fakeAgent();
		const early = dialog(false);
		answerInDialog(agent, inDialog("INVITE"), source, early.d);
		expect(answers[0].status).toBe(491);
		expect(early.seen).toEqual([]);
	});

	it("481s a CANCEL and a request with another To or From tag; 405s known methods we do not take", () => {
		const { agent, answers } = fakeAgent();
		const { d, seen } = dialog(true);
		answerInDialog(agent, inDialog("CANCEL"), source, d);
		answerInDialog(agent, inDialog("BYE", "someone-else"), source, d);
		answerInDialog(agent, inDialog("BYE", "ours", { fromTag: "another-fork" }), source, d);
		answerInDialog(agent, inDialog("SUBSCRIBE"), source, d);
		answerInDialog(agent, inDialog("bye"), source, d);
		// "bye" is not BYE (methods are case-sensitive); through the agent it gets 501 before any dialog.
		expect(answers.map((a) => a.status)).toEqual([481, 481, 481, 405, 405]);
		expect(seen).toEqual([]); // neither the foreign BYEs nor "bye" ended our call
		expect(
			header({ kind: "request", method: "X", uri: "", headers: answers[3].extra, body: "" }, "allow"),
		).toBeDefined();
	});

	it("500s a request older than the last one (§12.2.2) and does not act on it", () => {
		const { agent, answers } = fakeAgent();
		const { d, seen } = dialog(true);
		answerInDialog(agent, inDialog("OPTIONS", "ours", { cseq: 10 }), source, d);
		answerInDialog(agent, inDialog("BYE", "ours", { cseq: 9 }), source, d);
		answerInDialog(agent, inDialog("INVITE", "ours", { cseq: 8 }), source, d);
		answerInDialog(agent, inDialog("BYE", "ours", { cseq: 11 }), source, d);
		expect(answers.map((a) => a.status)).toEqual([200, 500, 500, 200]);
		expect(seen).toEqual(["bye"]); // only the in-order BYE
	});
});
