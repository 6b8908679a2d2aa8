/**
 * The slice of SDP (RFC 4566) a G.711 caller needs, and the offer/answer
 * choice (RFC 3264): PCMU 0, PCMA 8, telephone-event (RFC 4733).
 */

/** Codecs the dialer can send. */
export type Codec = "PCMU" | "PCMA";

/** Static payload types of RFC 3551. */
export const PAYLOAD: Record<Codec, number> = { PCMU: 0, PCMA: 8 };
/** Our dynamic payload type for telephone-event. */
export const DTMF_PAYLOAD = 101;

/** Stream direction attribute. */
export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";

/** What we need to know from a peer's session description. */
export interface MediaDescription {
	address: string;
	port: number;
	payloads: number[];
	dtmfPayload?: number;
	direction: Direction;
	ptime?: number;
}

/** Parameters of our own offer. */
export interface OfferParams {
	address: string;
	port: number;
	codecs: Codec[];
	sessionId: string;
	version: number;
	direction?: Direction;
}

/**
 * Build our SDP offer (also re-sent unchanged in answers to re-INVITEs).
 * @example buildOffer({ address: "192.0.2.1", port: 10000, codecs: ["PCMU"], sessionId: "1", version: 1 })
 */
export function buildOffer(p: OfferParams): string {
	const pts = p.codecs.map((c) => PAYLOAD[c]);
	const lines = [
		"v=0",
		`o=hatch ${p.sessionId} ${p.version} IN IP4 ${p.address}`,
		"s=hatch",
		`c=IN IP4 ${p.address}`,
		"t=0 0",
		`m=audio ${p.port} RTP/AVP ${[...pts, DTMF_PAYLOAD].join(" ")}`,
		...p.codecs.map((c) => `a=rtpmap:${PAYLOAD[c]} ${c}/8000`),
		`a=rtpmap:${DTMF_PAYLOAD} telephone-event/8000`,
		`a=fmtp:${DTMF_PAYLOAD} 0-16`,
		"a=ptime:20",
		`a=${p.direction ?? "sendrecv"}`,
	];
	return `${lines.join("\r\n")}\r\n`;
}

const DIRECTIONS = new Set(["sendrecv", "sendonly", "recvonly", "inactive"]);

/**
 * Parse the first audio stream of an SDP body. Returns undefined when there is
 * none we could use (no audio, no address, unparsable). Never throws.
 */
export function parseSdp(body: string): MediaDescription | undefined {
	if (body.length > 64 * 1024) return undefined;
	let sessionAddr: string | undefined;
	let sessionDir: Direction = "sendrecv";
	let media: MediaDescription | undefined;
	let inAudio = false;
	let seenAudio = false;
	for (const raw of body.split(/\r?\n/)) {
		const line = raw.trim();
		if (line.length < 2 || line[1] !== "=") continue;
		const type = line[0];
		const value = line.slice(2);
		if (type === "m") {
			inAudio = false;
			if (seenAudio) continue; // only the first audio stream matters
			const parts = value.split(/\s+/);
			if (parts[0] !== "audio" || parts.length < 4) continue;
			const port = Number(parts[1].split("/")[0]);
			if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
			const payloads = parts
				.slice(3)
				.map(Number)
				.filter((n) => Number.isInteger(n) && n >= 0 && n <= 127);
			media = { address: "", port, payloads, direction: sessionDir };
			inAudio = true;
			seenAudio = true;
		} else if (type === "c") {
			const m = /^IN\s+IP[46]\s+([^\s/]+)/.exec(value);
			if (!m) continue;
			if (inAudio && media) media.address = m[1];
			else if (!media) sessionAddr = m[1];
		} else if (type === "a") {
			if (DIRECTIONS.has(value)) {
				if (inAudio && media) media.direction = value as Direction;
				else if (!media) sessionDir = value as Direction;
			} else if (inAudio && media) {
				const rtpmap = /^rtpmap:(\d+)\s+telephone-event\/8000/i.exec(value);
				if (rtpmap) media.dtmfPayload = Number(rtpmap[1]);
				const ptime = /^ptime:(\d+)/.exec(value);
				if (ptime) media.ptime = Number(ptime[1]);
			}
		}
	}
	if (!media) return undefined;
	if (!media.address) media.address = sessionAddr ?? "";
	if (!media.address) return undefined;
	return media;
}

/** The codec to send: the first one in the answer that we offered (RFC 3264 §6.1). */
export function chooseCodec(answer: MediaDescription, offered: Codec[]): Codec | undefined {
	for (const pt of answer.payloads) {
		const codec = offered.find((c) => PAYLOAD[c] === pt);
		if (codec) return codec;
	}
	return undefined;
}
