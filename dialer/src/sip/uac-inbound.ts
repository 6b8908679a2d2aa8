/**
 * What a UAC answers to the far end's requests inside (or about) its dialog:
 * BYE, OPTIONS, re-INVITE and its ACK, INFO/NOTIFY, a stray CANCEL, anything
 * else. The agent has already refused unknown methods and tagless requests.
 */
import { ALLOW, type SipAgent } from "./agent.ts";
import { parseCSeq, tagOf } from "./fields.ts";
import { header, type SipRequest } from "./message.ts";
import { answerReinvite, reinviteAck } from "./reinvite.ts";
import type { Endpoint } from "./transport.ts";

/** The dialog a request is routed to, as the answers need it. */
export interface DialogView {
	/** Our From tag: the far end's requests carry it as their To tag. */
	readonly localTag: string;
	/** The far end's tag, once the dialog is confirmed: its requests carry it as their From tag. */
	readonly remoteTag?: string;
	/** Our Contact, repeated in the 200 to a re-INVITE. */
	readonly contact: string;
	/** Only a confirmed dialog takes a re-INVITE (before, our INVITE is in progress: 491). */
	readonly confirmed: boolean;
	/** The far end hung up (its BYE has been answered). */
	remoteBye(): void;
	/**
	 * The far end's new SDP: the offer of a re-INVITE we accepted, or the answer
	 * in the ACK to the offer we made in a 2xx. Returns our SDP (everything we
	 * can do; the answer is computed from it). Called with "" it must change
	 * nothing and just return that SDP (what a re-INVITE without SDP needs).
	 */
	reoffer(sdp: string): string;
	/**
	 * A target refresh we accepted (a re-INVITE): its Contact is the dialog's
	 * remote target from now on (RFC 3261 §12.2.2), so later requests go there.
	 */
	refreshTarget?(contact: string): void;
	/**
	 * End the dialog from our side, BYE included, and tell the call's owner
	 * why: the far end never ACKed our 2xx to its re-INVITE (§13.3.1.4).
	 * Without it the dialog is left up and the miss only logged.
	 */
	end?(reason: string): void;
}

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
