/**
 * What a UAC answers to the far end's requests inside (or about) its dialog:
 * BYE, OPTIONS, re-INVITE, INFO/NOTIFY, a stray CANCEL, anything else.
 */
import { ALLOW, type SipAgent } from "./agent.ts";
import { tagOf } from "./fields.ts";
import { type Header, header, type SipRequest } from "./message.ts";
import type { Endpoint } from "./transport.ts";

/** The dialog a request is routed to, as the answers need it. */
export interface DialogView {
	/** Our From tag: the far end's requests carry it as their To tag. */
	readonly localTag: string;
	/** Our Contact, repeated in the 200 to a re-INVITE. */
	readonly contact: string;
	/** Only a confirmed dialog takes a re-INVITE. */
	readonly confirmed: boolean;
	/** The far end hung up (its BYE has been answered). */
	remoteBye(): void;
	/** The far end re-offered: our SDP for the 200. */
	reoffer(sdp: string): string;
}

/**
 * Answer `req` from `source` for the dialog `d`.
 * @example answerInDialog(agent, byeRequest, source, dialog) // 200 OK, then dialog.remoteBye()
 */
export function answerInDialog(agent: SipAgent, req: SipRequest, source: Endpoint, d: DialogView): void {
	const ua: Header = ["user-agent", agent.userAgent];
	const tx = agent.tx;
	if (req.method === "ACK") return;
	// A CANCEL is for a server transaction we never have; a wrong To tag is another dialog.
	if (req.method === "CANCEL" || tagOf(header(req, "to")) !== d.localTag) {
		tx.respond(req, source, 481, "Call/Transaction Does Not Exist", [ua]);
		return;
	}
	switch (req.method) {
		case "BYE":
			tx.respond(req, source, 200, "OK", [ua]);
			d.remoteBye();
			return;
		case "OPTIONS":
			tx.respond(req, source, 200, "OK", [ua, ["allow", ALLOW], ["accept", "application/sdp"]]);
			return;
		case "INVITE": {
			if (!d.confirmed) {
				tx.respond(req, source, 491, "Request Pending", [ua]);
				return;
			}
			const sdp = d.reoffer(req.body);
			tx.respond(
				req,
				source,
				200,
				"OK",
				[ua, ["contact", d.contact], ["allow", ALLOW], ["content-type", "application/sdp"]],
				sdp,
			);
			return;
		}
		case "INFO":
		case "NOTIFY":
			tx.respond(req, source, 200, "OK", [ua]);
			return;
		default:
			tx.respond(req, source, 501, "Not Implemented", [ua, ["allow", ALLOW]]);
	}
}
