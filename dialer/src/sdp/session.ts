/**
 * SDP (RFC 4566) parsed into its session part and its m= sections, each line
 * scoped where it appears: a `c=` or `a=` after an m= line belongs to that
 * section only, never to the session or to a later section (§5).
 */

/** Stream direction attribute. */
export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";

const DIRECTIONS = new Set<string>(["sendrecv", "sendonly", "recvonly", "inactive"]);

/** One m= section and the lines scoped to it. */
export interface MediaSection {
	media: string;
	port: number;
	proto: string;
	/** Format list as written (RTP payload type numbers for RTP/AVP). */
	formats: string[];
	/** Its own `c=` address, if it has one. */
	address?: string;
	/** Its own direction attribute, if it has one. */
	direction?: Direction;
	/** `a=rtpmap` by payload type: encoding name/clock rate as written. */
	rtpmap: Map<string, string>;
	/** `a=fmtp` by payload type: the parameters as written. */
	fmtp: Map<string, string>;
	ptime?: number;
}

/** A whole session description. */
export interface SessionDescription {
	/** The `o=` value. */
	origin?: string;
	/** The `s=` value. */
	name?: string;
	/** The `t=` value. */
	timing?: string;
	/** Session-level `c=` address. */
	address?: string;
	/** Session-level direction attribute. */
	direction?: Direction;
	media: MediaSection[];
}

/** Bodies and section counts beyond these are hostile, not telephony. */
const MAX_BYTES = 64 * 1024;
const MAX_SECTIONS = 64;
const TOKEN = /^[\x21-\x7e]{1,64}$/;

/**
 * Parse a session description. Undefined for an unusable body: too large,
 * a malformed m= line (bad port, no formats), more than 64 sections. Never throws.
 * @example parseSession("v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n")?.media[0].port // 4000
 */
export function parseSession(body: string): SessionDescription | undefined {
	if (body.length > MAX_BYTES) return undefined;
	const session: SessionDescription = { media: [] };
	let section: MediaSection | undefined;
	for (const raw of body.split(/\r?\n/)) {
		const line = raw.trim();
		if (line.length < 2 || line[1] !== "=") continue;
		const type = line[0];
		const value = line.slice(2).trim();
		if (type === "m") {
			section = mediaLine(value);
			if (!section || session.media.length >= MAX_SECTIONS) return undefined;
			session.media.push(section);
		} else if (type === "c") {
			const m = /^IN\s+IP[46]\s+([^\s/]+)/.exec(value);
			if (!m) continue;
			if (section) section.address = m[1];
			else session.address = m[1];
		} else if (type === "a") {
			if (DIRECTIONS.has(value)) {
				if (section) section.direction = value as Direction;
				else session.direction = value as Direction;
			} else if (section) attribute(section, value);
		} else if (!section) {
			if (type === "o") session.origin = value;
			else if (type === "s") session.name = value;
			else if (type === "t") session.timing = value;
		}
	}
	return session;
}

function mediaLine(value: string): MediaSection | undefined {
	const parts = value.split(/\s+/);
	if (parts.length < 4 || !parts.every((p) => TOKEN.test(p))) return undefined;
	const port = Number(parts[1].split("/")[0]);
	if (!/^\d{1,5}(\/\d{1,3})?$/.test(parts[1]) || port > 65535) return undefined;
	return {
		media: parts[0],
		port,
		proto: parts[2],
		formats: parts.slice(3),
		rtpmap: new Map(),
		fmtp: new Map(),
	};
}

function attribute(section: MediaSection, value: string): void {
	const rtpmap = /^rtpmap:(\S+)\s+(\S+)/.exec(value);
	if (rtpmap) section.rtpmap.set(rtpmap[1], rtpmap[2]);
	const fmtp = /^fmtp:(\S+)\s+(\S.*)$/.exec(value);
	if (fmtp) section.fmtp.set(fmtp[1], fmtp[2]);
	const ptime = /^ptime:(\d{1,4})$/.exec(value);
	if (ptime) section.ptime = Number(ptime[1]);
}

/** Static RTP payload types (RFC 3551) we might meet without an rtpmap. */
const STATIC: Record<string, string> = { "0": "pcmu/8000", "8": "pcma/8000" };

/**
 * The encoding of one format of an RTP section, lower-cased as `name/rate`
 * (encoding names are case-insensitive): from its rtpmap, else the static table.
 * @example encodingOf(section, "0") // "pcmu/8000"
 */
export function encodingOf(section: MediaSection, format: string): string | undefined {
	const mapped = section.rtpmap.get(format);
	if (mapped) return mapped.toLowerCase().split("/").slice(0, 2).join("/");
	return STATIC[format];
}

/** A section's direction as it applies: its own, else the session's, else sendrecv (RFC 4566 §6). */
export function directionOf(session: SessionDescription, section: MediaSection): Direction {
	return section.direction ?? session.direction ?? "sendrecv";
}

/** A section's connection address as it applies: its own, else the session's. */
export function addressOf(session: SessionDescription, section: MediaSection): string | undefined {
	return section.address ?? session.address;
}
