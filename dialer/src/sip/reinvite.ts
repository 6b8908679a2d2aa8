/**
 * The far end's re-INVITE in one of our dialogs (RFC 3261 §14.2) and the ACK
 * for our 2xx to it. An offer gets a real RFC 3264 answer; a re-INVITE without
 * SDP (delayed offer) gets our offer in the 2xx and its answer comes in the
 * ACK. The 2xx is retransmitted until that ACK (§13.3.1.4).
 */
import { answerTo, nextLocalSdp, parseSdp } from "../sdp/sdp.ts";
import { parseSession } from "../sdp/session.ts";
import { ALLOW, type SipAgent } from "./agent.ts";
import type { DialogView } from "./dialog-view.ts";
import { parseCSeq } from "./fields.ts";
import { type Header, header, type SipRequest } from "./message.ts";
import type { Endpoint } from "./transport.ts";
import type { UasDialog } from "./uas-dialog.ts";

/**
 * Answer a re-INVITE (already checked: our tags, CSeq in order). 491 while an
 * INVITE exchange is unfinished, ours (an early dialog) or theirs (our 2xx
 * still waits for its ACK); 415 for a body that is not SDP; 488 for an offer
 * with no audio we can take, the session left as it was (§14.2); else 200.
 * @example answerReinvite(agent, holdOffer, source, dialog, agent.uas.get(callId)) // 200, a=recvonly
 */
export function answerReinvite(
	agent: SipAgent,
	req: SipRequest,
	source: Endpoint,
	d: DialogView,
	state: UasDialog,
): void {
	if (!d.confirmed || state.awaitingAck) {
		agent.respond(req, source, 491, "Request Pending");
		return;
	}
	const delayed = req.body.trim() === "";
	if (!delayed && !isSdp(header(req, "content-type"))) {
		agent.respond(req, source, 415, "Unsupported Media Type", [["accept", "application/sdp"]]);
		return;
	}
	const ours = d.reoffer(""); // everything we can do; changes nothing
	const previous = state.localSdp ?? ours;
	const sdp = delayed ? nextLocalSdp(ours, previous) : answerTo(req.body, ours, previous);
	if (!sdp) {
		agent.respond(req, source, 488, "Not Acceptable Here", [
			["warning", `305 ${agent.publicHost} "Incompatible media format"`],
			["accept", "application/sdp"],
		]);
		return;
	}
	state.localSdp = sdp;
	if (!delayed) d.reoffer(req.body); // the session follows only an offer we took
	const contact = header(req, "contact");
	if (contact) d.refreshTarget?.(contact);
	const extra: Header[] = [
		["contact", d.contact],
		["allow", ALLOW],
		["content-type", "application/sdp"],
	];
	const send = () => agent.respond(req, source, 200, "OK", extra, sdp);
	send();
	const callId = header(req, "call-id");
	state.await2xx(
		parseCSeq(header(req, "cseq"))?.seq ?? 0,
		send,
		() => {
			agent.log.warn("sip no ACK for our 2xx to a re-INVITE", { callId, ended: Boolean(d.end) });
			d.end?.("no ACK for 2xx to re-INVITE");
		},
		delayed ? sdp : undefined,
	);
}

/**
 * An ACK in the dialog: for our pending 2xx it stops the retransmissions, and
 * when that 2xx carried our offer its body is the answer the session follows.
 * An ACK without a usable answer leaves the session as it was (logged).
 */
export function reinviteAck(agent: SipAgent, req: SipRequest, d: DialogView, state: UasDialog): void {
	const acked = state.ack(parseCSeq(header(req, "cseq"))?.seq ?? -1);
	if (!acked?.offer) return;
	if (isSdp(header(req, "content-type")) && answers(req.body, acked.offer)) d.reoffer(req.body);
	else agent.log.warn("sip ACK without a usable answer to our offer", { callId: header(req, "call-id") });
}

/** `answer` is an RFC 3264 answer to `offer`: as many m= lines, audio kept, a codec we offered. */
function answers(answer: string, offer: string): boolean {
	const a = parseSdp(answer);
	const offered = parseSdp(offer);
	if (!a || !offered || a.port === 0) return false;
	if (parseSession(answer)?.media.length !== parseSession(offer)?.media.length) return false;
	return a.payloads.some((pt) => pt !== offered.dtmfPayload && offered.payloads.includes(pt));
}

function isSdp(contentType: string | undefined): boolean {
	return (contentType ?? "").split(";")[0].trim().toLowerCase() === "application/sdp";
}
