/**
 * What every response we generate needs from the request it answers: a To tag
 * (RFC 3261 §8.2.6.2) and the top Via stamped with where the request really
 * came from (`received`, RFC 3261 §18.2.1; `rport`, RFC 3581 §4).
 */
import { createHmac, randomBytes } from "node:crypto";
import { parseVia } from "./fields.ts";
import { type Header, type SipRequest, splitList } from "./message.ts";
import { transactionId } from "./transaction.ts";
import type { Endpoint } from "./transport.ts";

// Per process: tags are unguessable from outside, yet the same request always maps to the same tag.
const TAG_KEY = randomBytes(32);

/**
 * The To tag for our response to `req`. Derived from the request's transaction
 * identity (transaction.ts transactionId), so a retransmission gets
 * the same tag even when the response cache has forgotten it, and a CANCEL gets
 * the tag of the INVITE it cancels (§9.2). 64 bits of HMAC output: well above
 * the 32 random bits §19.3 asks for.
 * @example responseTag(optionsRequest) // "5f0c9a1e77b2d403"
 */
export function responseTag(req: SipRequest): string {
	return createHmac("sha256", TAG_KEY).update(transactionId(req)).digest("hex").slice(0, 16);
}

/**
 * `req` with its top Via stamped for the response: `rport` filled with the
 * source port when the request asked for it (empty `rport`), and `received`
 * set to the source address when that differs from the sent-by host, when the
 * sent-by is a name, or whenever `rport` was asked for (RFC 3581 §4 requires it
 * then). A `received` the request carried already is replaced. Other Vias and
 * headers are untouched; the branch, which keys the response cache, is kept.
 * @example stampTopVia(req, { host: "203.0.113.5", port: 40123, transport: "udp" })
 */
export function stampTopVia(req: SipRequest, source: Endpoint): SipRequest {
	const at = req.headers.findIndex((h) => h[0] === "via");
	if (at < 0) return req;
	const vias = splitList(req.headers[at][1]);
	const stamped = stampVia(vias[0] ?? "", source);
	if (stamped === vias[0]) return req;
	const headers: Header[] = req.headers.slice();
	headers[at] = ["via", [stamped, ...vias.slice(1)].join(", ")];
	return { ...req, headers };
}

/** One Via value stamped as {@link stampTopVia} describes; unparsable values come back unchanged. */
export function stampVia(value: string, source: Endpoint): string {
	const m = /^(SIP\s*\/\s*2\.0\s*\/\s*[A-Za-z]+\s+[^;\s]+)\s*(.*)$/.exec(value.trim());
	const via = parseVia(value);
	if (!m || !via) return value;
	const src = plainAddress(source.host);
	let askedRport = false;
	const params: string[] = [];
	for (const part of m[2].split(";")) {
		const p = part.trim();
		if (!p) continue;
		const name = p.split("=")[0].trim().toLowerCase();
		if (name === "received") continue; // ours to set, whatever the sender wrote
		if (name === "rport" && !p.includes("=")) {
			askedRport = true;
			params.push(`rport=${source.port}`);
		} else params.push(p);
	}
	const sentBy = plainAddress(via.host);
	if (askedRport || sentBy !== src) params.push(`received=${src}`);
	return [m[1], ...params].join(";");
}

/** An address as `received` carries it: no IPv6 brackets, no IPv4-mapped prefix, lower case. */
function plainAddress(host: string): string {
	const h = host.replace(/^\[|\]$/g, "").toLowerCase();
	return h.startsWith("::ffff:") && h.includes(".") ? h.slice(7) : h;
}
