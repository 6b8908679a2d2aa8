/**
 * HTTP digest authentication for SIP (RFC 2617 MD5 with qop=auth, RFC 7616 /
 * RFC 8760 SHA-256 and SHA-512/256), answering 401 and 407 challenges.
 */
import { createHash, randomBytes } from "node:crypto";

/** A parsed `Digest ...` challenge. */
export interface Challenge {
	realm: string;
	nonce: string;
	opaque?: string;
	algorithm: string;
	qop?: string[];
	stale: boolean;
}

/** The inputs of one digest computation. */
export interface DigestInput {
	username: string;
	password: string;
	realm: string;
	nonce: string;
	method: string;
	uri: string;
	algorithm?: string;
	qop?: "auth";
	nc?: string;
	cnonce?: string;
	opaque?: string;
}

/** Parse comma-separated auth-params, honouring quoted strings with commas in them. */
export function parseAuthParams(text: string): Record<string, string> {
	const out: Record<string, string> = {};
	const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/gy;
	for (let guard = 0; guard < 64; guard++) {
		const m = re.exec(text);
		if (!m) break;
		out[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
		if (re.lastIndex >= text.length) break;
	}
	return out;
}

const HASHES: Record<string, string> = { MD5: "md5", "SHA-256": "sha256", "SHA-512-256": "sha512-256" };

/** Parse one challenge header value; undefined for non-Digest or unusable ones. */
export function parseChallenge(value: string): Challenge | undefined {
	const m = /^\s*Digest\s+(.*)$/is.exec(value);
	if (!m) return undefined;
	const p = parseAuthParams(m[1]);
	if (!p.realm || !p.nonce) return undefined;
	const algorithm = (p.algorithm || "MD5").toUpperCase();
	return {
		realm: p.realm,
		nonce: p.nonce,
		opaque: p.opaque,
		algorithm,
		qop: p.qop ? p.qop.split(",").map((q) => q.trim().toLowerCase()) : undefined,
		stale: (p.stale ?? "").toLowerCase() === "true",
	};
}

/** Of several challenges, the strongest we support (SHA-256 over MD5, RFC 8760 §2.4). */
export function pickChallenge(values: string[]): Challenge | undefined {
	const rank = (a: string) =>
		a.startsWith("SHA-512-256") ? 3 : a.startsWith("SHA-256") ? 2 : a.startsWith("MD5") ? 1 : 0;
	let best: Challenge | undefined;
	for (const v of values) {
		const c = parseChallenge(v);
		if (!c || rank(c.algorithm) === 0) continue;
		if (c.qop && !c.qop.includes("auth")) continue; // auth-int only: we cannot answer
		if (!best || rank(c.algorithm) > rank(best.algorithm)) best = c;
	}
	return best;
}

function h(algorithm: string, data: string): string {
	const base = algorithm.replace(/-SESS$/, "");
	return createHash(HASHES[base] ?? "md5")
		.update(data, "utf8")
		.digest("hex");
}

/**
 * The digest `response` value.
 * @example digestResponse({ username: "Mufasa", password: "Circle Of Life", realm: "testrealm@host.com",
 *   nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", method: "GET", uri: "/dir/index.html",
 *   qop: "auth", nc: "00000001", cnonce: "0a4f113b" }) // "6629fae49393a05397450978507c4ef1"
 */
export function digestResponse(i: DigestInput): string {
	const alg = (i.algorithm ?? "MD5").toUpperCase();
	let ha1 = h(alg, `${i.username}:${i.realm}:${i.password}`);
	if (alg.endsWith("-SESS")) ha1 = h(alg, `${ha1}:${i.nonce}:${i.cnonce}`);
	const ha2 = h(alg, `${i.method}:${i.uri}`);
	if (i.qop) return h(alg, `${ha1}:${i.nonce}:${i.nc}:${i.cnonce}:${i.qop}:${ha2}`);
	return h(alg, `${ha1}:${i.nonce}:${ha2}`);
}

/** Build the Authorization / Proxy-Authorization value answering `c`. */
export function authorization(
	c: Challenge,
	creds: { username: string; password: string },
	method: string,
	uri: string,
	nc: number,
): string {
	const qop = c.qop?.includes("auth") ? "auth" : undefined;
	const cnonce = randomBytes(8).toString("hex");
	const ncHex = nc.toString(16).padStart(8, "0");
	const response = digestResponse({
		...creds,
		realm: c.realm,
		nonce: c.nonce,
		method,
		uri,
		algorithm: c.algorithm,
		qop,
		nc: ncHex,
		cnonce,
	});
	const q = (s: string) => `"${s.replace(/["\\]/g, "\\$&")}"`;
	let v = `Digest username=${q(creds.username)}, realm=${q(c.realm)}, nonce=${q(c.nonce)}, uri=${q(uri)}, response=${q(response)}, algorithm=${c.algorithm}`;
	if (qop) v += `, qop=${qop}, nc=${ncHex}, cnonce=${q(cnonce)}`;
	if (c.opaque !== undefined) v += `, opaque=${q(c.opaque)}`;
	return v;
}
