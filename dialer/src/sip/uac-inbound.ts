/**
 * What a UAC answers to the far end's requests inside (or about) its dialog:
 * BYE, OPTIONS, re-INVITE and its ACK, INFO/NOTIFY, a stray CANCEL, anything
 * else. The agent has already refused unknown methods and tagless requests.
 */
import { ALLOW, type SipAgent } from "./agent.ts";
import type { DialogView } from "./dialog-view.ts";
import { parseCSeq, tagOf } from "./fields.ts";
import { header, type SipRequest } from "./message.ts";
import { answerReinvite, reinviteAck } from "./reinvite.ts";
import type { Endpoint } from "./transport.ts";

/**
 * Answer `req` from `source` for the dialog `d`.
 * @example answerInDialog(agent, byeRequest, source, dialog) // 200 OK, then dialog.remoteBye()
 */
export function answerInDialog(agent: SipAgent, req: SipRequest, source: Endpoint, d: DialogView): void {
	const ours = tagOf(header(req, "to")) === d.localTag;
	const theirs = !d.remoteTag || tagOf(header(req, "from")) === d.remoteTag;
	const state = agent.uas.get(header(req, "call-id") ?? "");
	if (req.method === "ACK") {
		if (ours && theirs) reinviteAck(agent, req, d, state);
		return;
	}
	// Unknown methods never get here: SipAgent.route answers them 501 first.
	// A CANCEL is for a server transaction we never have; other tags are another dialog (§12.2.2).
	if (req.method === "CANCEL" || !ours || !theirs) {
		agent.respond(req, source, 481, "Call/Transaction Does Not Exist");
		return;
	}
	// §12.2.2: an older CSeq than the last one is out of order (ACK and CANCEL never get here).
	if (!state.inOrder(parseCSeq(header(req, "cseq"))?.seq ?? 0)) {
		agent.respond(req, source, 500, "Server Internal Error (CSeq out of order)");
		return;
	}
	switch (req.method) {
		case "BYE":
			state.stop(); // no ACK will come for a 2xx still being retransmitted
			agent.respond(req, source, 200, "OK");
			d.remoteBye();
			return;
		case "OPTIONS":
			agent.respond(req, source, 200, "OK", [
				["allow", ALLOW],
				["accept", "application/sdp"],
			]);
			return;
		case "INVITE":
			answerReinvite(agent, req, source, d, state);
			return;
		case "INFO":
		case "NOTIFY":
			// Not in Allow, but refusing them can make a gateway tear the call down.
			agent.respond(req, source, 200, "OK");
			return;
		default:
			agent.respond(req, source, 405, "Method Not Allowed", [["allow", ALLOW]]);
	}
}
