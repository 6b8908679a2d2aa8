/**
 * SIP parser for bytes straight off the network. Anything malformed,
 * truncated, oversized or hostile yields `{ ok: false }` with a reason; it never
 * throws, so one bad datagram cannot take the process down.
 */
import { canonicalName, type Header, type SipMessage } from "./message.ts";

/** Largest message we accept (UDP cannot carry more; TCP peers get cut off). */
export const MAX_MESSAGE_BYTES = 65535;
const MAX_HEADERS = 128;
const MAX_LINE = 8192;
const REQUIRED = ["via", "from", "to", "call-id", "cseq"];
const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;

/** Result of a parse: the message, or why it was dropped. */
export type ParseResult =
	| { ok: true; message: SipMessage; consumed: number }
	| { ok: false; error: string; incomplete?: boolean };

/**
 * Parse one SIP message from the start of `buf`. With `stream` (TCP/TLS), a
 * missing tail is reported as `incomplete` so the caller waits for more bytes.
 */
export function parseMessage(buf: Uint8Array, stream = false): ParseResult {
	try {
		return parse(buf, stream);
	} catch (err) {
		return { ok: false, error: `parser error: ${(err as Error).message}` };
	}
}

function parse(buf: Uint8Array, stream: boolean): ParseResult {
	const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
	let offset = 0;
	// RFC 5626 keep-alives and stray CRLFs between stream messages are skipped.
	while (offset < bytes.length && (bytes[offset] === 0x0d || bytes[offset] === 0x0a)) offset++;
	if (offset === bytes.length) return { ok: false, error: "empty", incomplete: stream };
	const scanLimit = Math.min(bytes.length, offset + MAX_MESSAGE_BYTES);
	let headEnd = bytes.indexOf("\r\n\r\n", offset, "latin1");
	let sepLen = 4;
	if (headEnd < 0 || headEnd > scanLimit) {
		const lf = bytes.indexOf("\n\n", offset, "latin1");
		if (lf >= 0 && lf <= scanLimit) {
			headEnd = lf;
			sepLen = 2;
		} else if (bytes.length - offset > MAX_MESSAGE_BYTES) {
			return { ok: false, error: "header section too large" };
		} else {
			return { ok: false, error: "truncated header section", incomplete: stream };
		}
	}
	const head = bytes.toString("latin1", offset, headEnd);
	if (head.includes("\0")) return { ok: false, error: "NUL byte in header section" };
	const lines = head.split(/\r?\n/);
	const startLine = lines[0];
	if (startLine.length > MAX_LINE) return { ok: false, error: "start line too long" };
	const headers: Header[] = [];
	for (let i = 1; i < lines.length; i++) {
		const line = lines[i];
		if (line.length > MAX_LINE) return { ok: false, error: "header line too long" };
		if ((line.startsWith(" ") || line.startsWith("\t")) && headers.length > 0) {
			// Obsolete line folding: the continuation joins with one space (none when the value was empty).
			const last = headers[headers.length - 1];
			last[1] = last[1] ? `${last[1]} ${line.trim()}` : line.trim();
			continue;
		}
		const colon = line.indexOf(":");
		if (colon <= 0) return { ok: false, error: "header without colon" };
		const name = line.slice(0, colon).trim();
		if (!TOKEN.test(name)) return { ok: false, error: "bad header name" };
		headers.push([canonicalName(name), line.slice(colon + 1).trim()]);
		if (headers.length > MAX_HEADERS) return { ok: false, error: "too many headers" };
	}
	for (const name of REQUIRED) {
		if (!headers.some((h) => h[0] === name)) return { ok: false, error: `missing ${name}` };
	}
	const cseq = headers.find((h) => h[0] === "cseq")?.[1] ?? "";
	if (!/^\d{1,10}\s+[A-Za-z0-9.!%*_+`'~-]{1,32}$/.test(cseq)) return { ok: false, error: "bad CSeq" };
	const bodyStart = headEnd + sepLen;
	const clHeader = headers.find((h) => h[0] === "content-length")?.[1];
	let bodyLen: number;
	if (clHeader !== undefined) {
		if (!/^\d{1,7}$/.test(clHeader)) return { ok: false, error: "bad Content-Length" };
		bodyLen = Number(clHeader);
		if (bodyStart - offset + bodyLen > MAX_MESSAGE_BYTES) return { ok: false, error: "message too large" };
		if (bytes.length < bodyStart + bodyLen) return { ok: false, error: "truncated body", incomplete: stream };
	} else {
		// RFC 3261 §18.3: mandatory on streams; on UDP the body runs to the end.
		if (stream) return { ok: false, error: "missing Content-Length on stream" };
		bodyLen = bytes.length - bodyStart;
		if (bodyLen > MAX_MESSAGE_BYTES) return { ok: false, error: "message too large" };
	}
	const body = bytes.toString("utf8", bodyStart, bodyStart + bodyLen);
	const consumed = bodyStart + bodyLen;

	const res = /^SIP\/2\.0 ([1-6]\d\d)(?: (.*))?$/.exec(startLine);
	if (res) {
		return {
			ok: true,
			consumed,
			message: { kind: "response", status: Number(res[1]), reason: res[2] ?? "", headers, body },
		};
	}
	// Method = token (RFC 3261 §25.1), kept as sent: methods are case-sensitive
	// (§7.1), so "invite" is an unknown extension method, answered 501, not an INVITE.
	const req = /^([A-Za-z0-9.!%*_+`'~-]{1,32}) (\S{1,4096}) SIP\/2\.0$/.exec(startLine);
	if (req) {
		if (!/^sips?:|^tel:/i.test(req[2])) return { ok: false, error: "unsupported Request-URI scheme" };
		return {
			ok: true,
			consumed,
			message: { kind: "request", method: req[1], uri: req[2], headers, body },
		};
	}
	return { ok: false, error: "bad start line" };
}
