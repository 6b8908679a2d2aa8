/**
 * The two requests built from an INVITE rather than from the dialog: the ACK
 * for a non-2xx final (the transaction's own, §17.1.1.3) and the CANCEL (§9.1).
 * Both share the INVITE's top Via, so they reach the same server transaction.
 */
import { parseCSeq } from "./fields.ts";
import { type Header, header, type SipRequest, type SipResponse } from "./message.ts";

/**
 * The ACK for a non-2xx final response (§17.1.1.3): same branch, To from the response.
 * @example ackFor(invite, busy486).method // "ACK"
 */
export function ackFor(invite: SipRequest, res: SipResponse): SipRequest {
	const headers: Header[] = [];
	const cseq = parseCSeq(header(invite, "cseq"));
	for (const h of invite.headers) {
		if (h[0] === "via") {
			if (!headers.some((x) => x[0] === "via")) headers.push(h);
		} else if (h[0] === "from" || h[0] === "call-id" || h[0] === "route" || h[0] === "max-forwards")
			headers.push(h);
	}
	headers.push(["to", header(res, "to") ?? header(invite, "to") ?? ""]);
	headers.push(["cseq", `${cseq?.seq ?? 1} ACK`]);
	return { kind: "request", method: "ACK", uri: invite.uri, headers, body: "" };
}

/**
 * The CANCEL for `invite` (§9.1): its Request-URI, top Via, From, To (without a
 * tag), Call-ID and Route, with the INVITE's CSeq number.
 * @example cancelFor(invite).headers // [..., ["cseq", "1 CANCEL"]]
 */
export function cancelFor(invite: SipRequest): SipRequest {
	const headers: Header[] = [];
	const seq = parseCSeq(header(invite, "cseq"))?.seq ?? 1;
	for (const h of invite.headers) {
		if (h[0] === "via") {
			if (!headers.some((x) => x[0] === "via")) headers.push(h);
		} else if (["max-forwards", "from", "to", "call-id", "route", "user-agent"].includes(h[0]))
			headers.push(h);
	}
	headers.push(["cseq", `${seq} CANCEL`]);
	return { kind: "request", method: "CANCEL", uri: invite.uri, headers, body: "" };
}
