/**
 * The two requests built from an INVITE rather than from the dialog: the ACK
 * for a non-2xx final (the transaction's own, §17.1.1.3) and the CANCEL (§9.1).
 * Both share the INVITE's top Via, so they reach the same server transaction.
 */
import { parseCSeq } from "./fields.ts";
import { type Header, header, type SipRequest, type SipResponse } from "./message.ts";

/**
 * A request built from `invite`: its Request-URI, its top Via (one), the
 * headers `names` picks, then `extra`, and the INVITE's CSeq number with `method`.
 */
function fromInvite(invite: SipRequest, method: string, names: string[], extra: Header[] = []): SipRequest {
	const headers: Header[] = [];
	for (const h of invite.headers) {
		if (h[0] === "via") {
			if (!headers.some((x) => x[0] === "via")) headers.push(h);
		} else if (names.includes(h[0])) headers.push(h);
	}
	headers.push(...extra, ["cseq", `${parseCSeq(header(invite, "cseq"))?.seq ?? 1} ${method}`]);
	return { kind: "request", method, uri: invite.uri, headers, body: "" };
}

/**
 * The ACK for a non-2xx final response (§17.1.1.3): same branch, To from the response.
 * @example ackFor(invite, busy486).method // "ACK"
 */
export function ackFor(invite: SipRequest, res: SipResponse): SipRequest {
	const to = header(res, "to") ?? header(invite, "to") ?? "";
	return fromInvite(invite, "ACK", ["from", "call-id", "route", "max-forwards"], [["to", to]]);
}

/**
 * The CANCEL for `invite` (§9.1): its Request-URI, top Via, From, To (without a
 * tag), Call-ID and Route, with the INVITE's CSeq number.
 * @example cancelFor(invite).headers // [..., ["cseq", "1 CANCEL"]]
 */
export function cancelFor(invite: SipRequest): SipRequest {
	return fromInvite(invite, "CANCEL", ["max-forwards", "from", "to", "call-id", "route", "user-agent"]);
}
