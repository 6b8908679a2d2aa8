/**
 * SIP message model and serializer (RFC 3261 §7). Header names are stored in
 * canonical long form so lookups never care about compact forms or case.
 */

/** One header line, name lower-cased and expanded from its compact form. */
export type Header = [name: string, value: string];

/** A parsed or about-to-be-sent SIP request. */
export interface SipRequest {
	kind: "request";
	method: string;
	uri: string;
	headers: Header[];
	body: string;
}

/** A parsed or about-to-be-sent SIP response. */
export interface SipResponse {
	kind: "response";
	status: number;
	reason: string;
	headers: Header[];
	body: string;
}

/** Either kind of message. */
export type SipMessage = SipRequest | SipResponse;

const COMPACT: Record<string, string> = {
	v: "via",
	f: "from",
	t: "to",
	i: "call-id",
	m: "contact",
	l: "content-length",
	c: "content-type",
	k: "supported",
	s: "subject",
	e: "content-encoding",
	o: "event",
	r: "refer-to",
	u: "allow-events",
};

/** Lower-case a header name and expand compact forms (RFC 3261 §7.3.3). */
export function canonicalName(name: string): string {
	const n = name.toLowerCase();
	return COMPACT[n] ?? n;
}

const PRETTY: Record<string, string> = {
	"call-id": "Call-ID",
	cseq: "CSeq",
	"www-authenticate": "WWW-Authenticate",
	"proxy-authenticate": "Proxy-Authenticate",
	"max-forwards": "Max-Forwards",
	"user-agent": "User-Agent",
	"record-route": "Record-Route",
	"content-type": "Content-Type",
	"content-length": "Content-Length",
	"proxy-authorization": "Proxy-Authorization",
};

function prettyName(name: string): string {
	return PRETTY[name] ?? name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/** First value of a header, if any. */
export function header(msg: SipMessage, name: string): string | undefined {
	const n = canonicalName(name);
	for (const h of msg.headers) if (h[0] === n) return h[1];
	return undefined;
}

/**
 * Every value of a header, splitting comma-joined lists (Via, Route, Record-Route,
 * Contact) without splitting inside quotes or angle brackets.
 */
export function headerValues(msg: SipMessage, name: string): string[] {
	const n = canonicalName(name);
	const out: string[] = [];
	for (const h of msg.headers) if (h[0] === n) out.push(...splitList(h[1]));
	return out;
}

/** Split a comma-separated header value, respecting quotes and <...>. */
export function splitList(value: string): string[] {
	const out: string[] = [];
	let depth = 0;
	let quoted = false;
	let start = 0;
	for (let i = 0; i < value.length; i++) {
		const ch = value[i];
		if (quoted) {
			if (ch === "\\") i++;
			else if (ch === '"') quoted = false;
		} else if (ch === '"') quoted = true;
		else if (ch === "<") depth++;
		else if (ch === ">") depth = Math.max(0, depth - 1);
		else if (ch === "," && depth === 0) {
			out.push(value.slice(start, i).trim());
			start = i + 1;
		}
	}
	const last = value.slice(start).trim();
	if (last) out.push(last);
	return out;
}

/** Serialize a message; Content-Length is always recomputed. */
export function serialize(msg: SipMessage): Buffer {
	const start =
		msg.kind === "request" ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
	const body = Buffer.from(msg.body, "utf8");
	let head = `${start}\r\n`;
	for (const [name, value] of msg.headers) {
		if (name === "content-length") continue;
		head += `${prettyName(name)}: ${value}\r\n`;
	}
	head += `Content-Length: ${body.length}\r\n\r\n`;
	return Buffer.concat([Buffer.from(head, "latin1"), body]);
}
