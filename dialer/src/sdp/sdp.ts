/**
 * The slice of SDP (RFC 4566) a G.711 caller needs, and offer/answer
 * (RFC 3264): our offer, the answer to a far end's offer, the codec choice.
 * PCMU 0, PCMA 8, telephone-event (RFC 4733).
 */
import {
	addressOf,
	type Direction,
	directionOf,
	encodingOf,
	type MediaSection,
	parseSession,
	type SessionDescription,
} from "./session.ts";

export type { Direction } from "./session.ts";

/** Codecs the dialer can send. */
export type Codec = "PCMU" | "PCMA";

/** Static payload types of RFC 3551. */
export const PAYLOAD: Record<Codec, number> = { PCMU: 0, PCMA: 8 };
/** Our dynamic payload type for telephone-event. */
export const DTMF_PAYLOAD = 101;

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
 * Build our SDP offer: the INVITE's body, and what {@link answerTo} answers a
 * re-offer from (everything we can do, in our order of preference).
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

/**
 * The first audio stream of an SDP body, with the session-level address and
 * direction it inherits. Undefined when there is none we could use (no audio,
 * no address, unparsable). Never throws.
 * @example parseSdp(answer)?.port // 4002
 */
export function parseSdp(body: string): MediaDescription | undefined {
	const session = parseSession(body);
	const audio = session?.media.find((m) => m.media === "audio");
	if (!session || !audio) return undefined;
	const address = addressOf(session, audio);
	if (!address) return undefined;
	const payloads = audio.formats.filter((f) => /^\d{1,3}$/.test(f) && Number(f) <= 127).map(Number);
	const dtmf = audio.formats.find((f) => /^\d{1,3}$/.test(f) && encodingOf(audio, f) === TELEPHONE_EVENT);
	return {
		address,
		port: audio.port,
		payloads,
		dtmfPayload: dtmf === undefined ? undefined : Number(dtmf),
		direction: directionOf(session, audio),
		ptime: audio.ptime,
	};
}

const TELEPHONE_EVENT = "telephone-event/8000";

/** The codec to send: the first one in the answer that we offered (RFC 3264 §6.1). */
export function chooseCodec(answer: MediaDescription, offered: Codec[]): Codec | undefined {
	for (const pt of answer.payloads) {
		const codec = offered.find((c) => PAYLOAD[c] === pt);
		if (codec) return codec;
	}
	return undefined;
}

/**
 * Our RFC 3264 answer to a far end's `offer` (a re-INVITE), from `ours`, the
 * SDP with everything we can do (our INVITE's offer). The answer has one m=
 * line per offered one (§6): the first audio stream, when offered as RTP/AVP
 * with a codec we have, is taken with the offered codecs we have in our order
 * of preference (the offer's payload numbers), telephone-event if both have
 * it, and the direction answering the offer's (sendonly → recvonly, recvonly
 * → sendonly, inactive → inactive; a 0.0.0.0 address means "do not send to
 * me"); every other stream, and that one when offered with port 0, is declined
 * with port 0. The o= line is `previous`'s (our last SDP in the session),
 * version one up when anything changed (§8). Undefined when the offer has no
 * audio we can take: the caller answers 488 and keeps the session as it was.
 * @example answerTo(holdOffer, ourOffer) // "...m=audio 10000 RTP/AVP 0 101\r\n...a=recvonly\r\n"
 */
export function answerTo(offer: string, ours: string, previous: string = ours): string | undefined {
	const theirs = parseSession(offer);
	const mine = parseSession(ours);
	const myAudio = mine?.media.find((m) => m.media === "audio");
	if (!theirs || !mine || !myAudio || !mine.origin) return undefined;
	const first = theirs.media.findIndex((m) => m.media === "audio");
	if (first < 0) return undefined;
	const sections: string[] = [];
	for (const [i, m] of theirs.media.entries()) {
		if (i !== first || m.port === 0) {
			sections.push(`m=${m.media} 0 ${m.proto} ${m.formats.join(" ")}`);
			continue;
		}
		const audio = answerAudio(theirs, m, mine, myAudio);
		if (!audio) return undefined;
		sections.push(...audio);
	}
	const timing = /^\d{1,20} \d{1,20}$/.test(theirs.timing ?? "") ? theirs.timing : "0 0";
	const head = ["v=0", `o=${mine.origin}`, `s=${mine.name ?? "-"}`, `c=IN IP4 ${addressOf(mine, myAudio)}`];
	return nextLocalSdp(`${[...head, `t=${timing}`, ...sections].join("\r\n")}\r\n`, previous);
}

function answerAudio(
	theirs: SessionDescription,
	m: MediaSection,
	mine: SessionDescription,
	myAudio: MediaSection,
): string[] | undefined {
	// SRTP and feedback profiles are not ours to take (§6: the answer keeps the offer's proto).
	const address = addressOf(theirs, m);
	if (m.proto !== "RTP/AVP" || !address) return undefined;
	const offered = (enc: string) => m.formats.find((f) => encodingOf(m, f) === enc);
	const codecs: Array<[format: string, name: string]> = [];
	let dtmf: string | undefined;
	for (const f of myAudio.formats) {
		const enc = encodingOf(myAudio, f);
		const match = enc ? offered(enc) : undefined;
		if (!enc || !match) continue;
		if (enc === TELEPHONE_EVENT) dtmf = match;
		else if (!codecs.some((c) => c[0] === match)) codecs.push([match, myAudio.rtpmap.get(f) ?? enc]);
	}
	if (codecs.length === 0) return undefined;
	const dir = answerDirection(directionOf(theirs, m), address === "0.0.0.0", directionOf(mine, myAudio));
	const formats = dtmf ? [...codecs.map((c) => c[0]), dtmf] : codecs.map((c) => c[0]);
	const myDtmf = myAudio.formats.find((f) => encodingOf(myAudio, f) === TELEPHONE_EVENT) ?? "";
	return [
		`m=audio ${myAudio.port} RTP/AVP ${formats.join(" ")}`,
		...codecs.map(([f, name]) => `a=rtpmap:${f} ${name}`),
		...(dtmf
			? [`a=rtpmap:${dtmf} telephone-event/8000`, `a=fmtp:${dtmf} ${myAudio.fmtp.get(myDtmf) ?? "0-15"}`]
			: []),
		`a=ptime:${myAudio.ptime ?? 20}`,
		`a=${dir}`,
	];
}

/** The direction answering `offered` (RFC 3264 §6.1), limited by what we want ourselves. */
function answerDirection(offered: Direction, noSendToThem: boolean, ours: Direction): Direction {
	const send =
		!noSendToThem &&
		(offered === "sendrecv" || offered === "recvonly") &&
		ours !== "recvonly" &&
		ours !== "inactive";
	const recv =
		(offered === "sendrecv" || offered === "sendonly") && ours !== "sendonly" && ours !== "inactive";
	return send && recv ? "sendrecv" : send ? "sendonly" : recv ? "recvonly" : "inactive";
}

/**
 * `candidate` as our next SDP in a session whose last SDP from us was
 * `previous` (RFC 3264 §8): previous's o= line, with the version one up when
 * anything else differs, unchanged (and so `previous` itself) when nothing does.
 * @example nextLocalSdp(answer, offer) // o=hatch 42 2 IN IP4 192.0.2.1
 */
export function nextLocalSdp(candidate: string, previous: string): string {
	const origin = /^o=(.*)$/m.exec(previous)?.[1]?.trim();
	const parts = origin?.split(/\s+/) ?? [];
	if (!origin || parts.length !== 6 || !/^\d{1,20}$/.test(parts[2])) return candidate;
	const same = candidate.replace(/^o=.*$/m, `o=${origin}`);
	if (same === previous) return previous;
	parts[2] = (BigInt(parts[2]) + 1n).toString();
	return candidate.replace(/^o=.*$/m, `o=${parts.join(" ")}`);
}
