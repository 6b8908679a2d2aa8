/**
 * Parsing and minting of the structured header fields a UAC relies on:
 * name-addr (From/To/Contact/Record-Route), Via, CSeq, tags and branches.
 */
import { randomFillSync } from "node:crypto";

/** `"Display" <uri>;params` with the params after the closing bracket. */
export interface NameAddr {
	display?: string;
	uri: string;
	params: Record<string, string>;
}

/** Parse `;a=b;c` parameters into a map (names lower-cased, flags map to ""). */
export function parseParams(text: string): Record<string, string> {
	const params: Record<string, string> = {};
	for (const part of text.split(";")) {
		const p = part.trim();
		if (!p) continue;
		const eq = p.indexOf("=");
		if (eq < 0) params[p.toLowerCase()] = "";
		else
			params[p.slice(0, eq).trim().toLowerCase()] = p
				.slice(eq + 1)
				.trim()
				.replace(/^"|"$/g, "");
	}
	return params;
}

/** Parse a name-addr or addr-spec; undefined when it makes no sense. */
export function parseNameAddr(value: string): NameAddr | undefined {
	const v = value.trim();
	const lt = v.indexOf("<");
	if (lt >= 0) {
		const gt = v.indexOf(">", lt);
		if (gt < 0) return undefined;
		const display = v.slice(0, lt).trim().replace(/^"|"$/g, "") || undefined;
		return { display, uri: v.slice(lt + 1, gt).trim(), params: parseParams(v.slice(gt + 1)) };
	}
	// addr-spec form: header params start at the first ';' (RFC 3261 §20.10).
	const semi = v.indexOf(";");
	const uri = semi < 0 ? v : v.slice(0, semi);
	if (!uri) return undefined;
	return { uri, params: semi < 0 ? {} : parseParams(v.slice(semi)) };
}

/** The tag parameter of a From/To value. */
export function tagOf(value: string | undefined): string | undefined {
	if (!value) return undefined;
	return parseNameAddr(value)?.params.tag || undefined;
}

/** A parsed Via entry. */
export interface Via {
	transport: string;
	host: string;
	port?: number;
	params: Record<string, string>;
}

/** Parse one Via entry (`SIP/2.0/UDP host:port;branch=...`). */
export function parseVia(value: string): Via | undefined {
	const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+([^;\s]+)(.*)$/.exec(value.trim());
	if (!m) return undefined;
	const hostPort = m[2];
	let host = hostPort;
	let port: number | undefined;
	const bracket = hostPort.startsWith("[") ? hostPort.indexOf("]") : -1;
	const colon = hostPort.lastIndexOf(":");
	if (colon > bracket && colon > 0) {
		host = hostPort.slice(0, colon);
		port = Number(hostPort.slice(colon + 1));
	}
	return { transport: m[1].toUpperCase(), host, port, params: parseParams(m[3]) };
}

/**
 * Parse `CSeq: 12 INVITE`. The method keeps its case: SIP methods are
 * case-sensitive (RFC 3261 §7.1), so `1 invite` is not an INVITE.
 */
export function parseCSeq(value: string | undefined): { seq: number; method: string } | undefined {
	const m = /^(\d+)\s+([A-Za-z0-9.!%*_+`'~-]+)$/.exec((value ?? "").trim());
	return m ? { seq: Number(m[1]), method: m[2] } : undefined;
}

/** The `sip:user@host:port` host and port, for sending to a Contact. */
export function uriHostPort(uri: string): { host: string; port?: number; transport?: string } | undefined {
	const m = /^sips?:(?:[^@;>]*@)?(\[[^\]]+\]|[^:;>?]+)(?::(\d+))?([^?>]*)/i.exec(uri);
	if (!m) return undefined;
	const params = parseParams(m[3]);
	return { host: m[1], port: m[2] ? Number(m[2]) : undefined, transport: params.transport };
}

const POOL = Buffer.allocUnsafeSlow(4096);
let poolAt = POOL.length;

/**
 * `bytes` random bytes as hex, from the CSPRNG through a pooled buffer: each
 * call and transaction mints several tags, branches and ids, and one
 * `randomFillSync` per 4 KiB costs less than a `randomBytes` (an allocation and
 * an OpenSSL call) per token. Every byte is used once.
 * @example token(6) // "9f3a0c1be2d4"
 */
export function token(bytes: number): string {
	if (bytes > POOL.length) return randomFillSync(Buffer.alloc(bytes)).toString("hex");
	if (poolAt + bytes > POOL.length) {
		randomFillSync(POOL);
		poolAt = 0;
	}
	const hex = POOL.toString("hex", poolAt, poolAt + bytes);
	poolAt += bytes;
	return hex;
}

/** A Via branch with the RFC 3261 magic cookie, unique per transaction. */
export function newBranch(): string {
	return `z9hG4bK${token(10)}`;
}

/** A From tag. */
export function newTag(): string {
	return token(6);
}

/** A globally unique Call-ID. */
export function newCallId(host: string): string {
	return `${token(12)}@${host}`;
}
