/**
 * Validation of POST /calls bodies. Every field is checked and a failure names
 * the field with a stable code (INVALID_<FIELD>), so the Worker can tell which
 * input was wrong without parsing messages.
 */
import type { PlaceCall } from "../call/manager.ts";
import type { Codec } from "../sdp/sdp.ts";
import type { TransportName } from "../sip/transport.ts";
import { ApiError } from "./errors.ts";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(code: string, message: string): never {
	throw new ApiError(code, message);
}

function optString(
	o: Obj,
	key: string,
	code: string,
	max: number,
	check?: RegExp | ((s: string) => boolean),
): string | undefined {
	const v = o[key];
	if (v === undefined || v === null) return undefined;
	if (
		typeof v !== "string" ||
		v.length === 0 ||
		v.length > max ||
		(check && !(typeof check === "function" ? check(v) : check.test(v)))
	)
		fail(code, `${key} must be a string of 1-${max} allowed characters`);
	return v;
}

function optNumber(
	o: Obj,
	key: string,
	code: string,
	min: number,
	max: number,
	fallback: number,
	integer = false,
): number {
	const v = o[key];
	if (v === undefined || v === null) return fallback;
	if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
		fail(code, `${key} must be a number in [${min}, ${max}]`);
	return v;
}

const HOST =
	/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$|^\d{1,3}(?:\.\d{1,3}){3}$/;
// SIP user parts we write into URIs: no spaces, quotes, angle brackets or '@'.
const SIP_USER = /^[A-Za-z0-9._~+!$&'()*,;=:%-]+$/;
/** No control characters: they would break SIP header lines. */
function printable(s: string): boolean {
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c < 0x20 || c === 0x7f) return false;
	}
	return true;
}
const CALLER_ID = (s: string) => printable(s) && !/["\\<>]/.test(s);
const AUTH_USER = (s: string) => printable(s) && !/["\\]/.test(s);
const TRANSPORTS: TransportName[] = ["udp", "tcp", "tls"];
const CODECS: Codec[] = ["PCMU", "PCMA"];
const MAX_INLINE = 70 * 1024 * 1024;

/** `{url}` or `{inline}` at `field`; failures are `code`, `code_URL`, `code_INLINE`. */
function audioSource(audio: unknown, code: string, field: string): PlaceCall["audio"] {
	if (isObj(audio) && typeof audio.url === "string" && audio.inline === undefined) {
		let u: URL | undefined;
		try {
			u = new URL(audio.url);
		} catch {}
		if (!u || (u.protocol !== "https:" && u.protocol !== "http:") || audio.url.length > 2048)
			fail(`${code}_URL`, `${field}.url must be an http(s) URL`);
		return { url: audio.url };
	}
	if (isObj(audio) && typeof audio.inline === "string" && audio.url === undefined) {
		if (
			audio.inline.length === 0 ||
			audio.inline.length > MAX_INLINE ||
			!/^[A-Za-z0-9+/]+={0,2}$/.test(audio.inline)
		) {
			fail(`${code}_INLINE`, `${field}.inline must be base64 of a WAV or MP3 file`);
		}
		return { inline: audio.inline };
	}
	return fail(code, `${field} must be {url} or {inline}`);
}

const ON_MACHINE = ["hangup", "play", "play_other"] as const;

/** `amd` (answering-machine detection): absent, or {on_machine, machine_audio?}. */
function amdOptions(amd: unknown): PlaceCall["amd"] {
	if (amd === undefined || amd === null) return undefined;
	if (!isObj(amd)) fail("INVALID_AMD", "amd must be an object {on_machine, machine_audio?}");
	const on = amd.on_machine ?? "hangup";
	if (!ON_MACHINE.includes(on as (typeof ON_MACHINE)[number]))
		fail("INVALID_AMD_ON_MACHINE", 'amd.on_machine must be "hangup", "play" or "play_other"');
	const onMachine = on as (typeof ON_MACHINE)[number];
	if (onMachine !== "play_other") {
		if (amd.machine_audio !== undefined)
			fail("INVALID_AMD_MACHINE_AUDIO", 'amd.machine_audio goes with on_machine "play_other" only');
		return { onMachine };
	}
	return {
		onMachine,
		machineAudio: audioSource(amd.machine_audio, "INVALID_AMD_MACHINE_AUDIO", "amd.machine_audio"),
	};
}

/**
 * Check a POST /calls body and turn it into a {@link PlaceCall}.
 * @throws ApiError INVALID_* with the offending field.
 */
export function validateCall(body: unknown): PlaceCall {
	if (!isObj(body)) fail("INVALID_BODY", "body must be a JSON object");
	const callId = body.call_id;
	if (
		typeof callId !== "string" ||
		callId.length < 1 ||
		callId.length > 128 ||
		!printable(callId) ||
		callId.includes("/")
	) {
		fail("INVALID_CALL_ID", "call_id must be a string of 1-128 printable characters without '/'");
	}
	const to = body.to;
	if (typeof to !== "string" || !/^\+?\d{1,32}$/.test(to))
		fail("INVALID_TO", "to must be digits with an optional leading +");

	const trunk = body.trunk;
	if (!isObj(trunk)) fail("INVALID_TRUNK", "trunk must be an object");
	const host = trunk.host;
	if (typeof host !== "string" || host.length > 253 || !HOST.test(host))
		fail("INVALID_TRUNK_HOST", "trunk.host must be a hostname or IPv4 address");
	const port = optNumber(trunk, "port", "INVALID_TRUNK_PORT", 1, 65535, 5060, true);
	const transport = trunk.transport ?? "udp";
	if (!TRANSPORTS.includes(transport as TransportName))
		fail("INVALID_TRUNK_TRANSPORT", "trunk.transport must be udp, tcp or tls");
	const username = optString(trunk, "username", "INVALID_TRUNK_USERNAME", 128, SIP_USER);
	const password = trunk.password;
	if (password !== undefined && (typeof password !== "string" || password.length > 256))
		fail("INVALID_TRUNK_PASSWORD", "trunk.password must be a string of at most 256 characters");
	const authUsername = optString(trunk, "auth_username", "INVALID_TRUNK_AUTH_USERNAME", 128, AUTH_USER);
	const fromUser = optString(trunk, "from_user", "INVALID_TRUNK_FROM_USER", 64, SIP_USER);
	const callerId = optString(trunk, "caller_id", "INVALID_TRUNK_CALLER_ID", 64, CALLER_ID);
	const domain = optString(trunk, "domain", "INVALID_TRUNK_DOMAIN", 253, HOST);
	let codecs: Codec[] = ["PCMU", "PCMA"];
	if (trunk.codecs !== undefined) {
		const c = trunk.codecs;
		if (
			!Array.isArray(c) ||
			c.length === 0 ||
			c.length > 2 ||
			!c.every((x) => CODECS.includes(x)) ||
			new Set(c).size !== c.length
		) {
			fail("INVALID_TRUNK_CODECS", 'trunk.codecs must be a non-empty list of "PCMU" and/or "PCMA"');
		}
		codecs = c as Codec[];
	}

	const source = audioSource(body.audio, "INVALID_AUDIO", "audio");
	const amd = amdOptions(body.amd);

	const ringTimeoutS = optNumber(body, "ring_timeout_s", "INVALID_RING_TIMEOUT", 1, 300, 30);
	const maxDurationS = optNumber(body, "max_duration_s", "INVALID_MAX_DURATION", 1, 14400, 3600);
	let callbackUrl: string | undefined;
	if (body.callback_url !== undefined && body.callback_url !== null) {
		const cb = body.callback_url;
		let ok = false;
		try {
			const u = new URL(String(cb));
			ok = typeof cb === "string" && (u.protocol === "https:" || u.protocol === "http:") && cb.length <= 2048;
		} catch {}
		if (!ok) fail("INVALID_CALLBACK_URL", "callback_url must be an http(s) URL");
		callbackUrl = cb as string;
	}
	return {
		callId,
		to,
		trunk: {
			host,
			port,
			transport: transport as TransportName,
			username,
			password: password as string | undefined,
			authUsername,
			fromUser,
			callerId,
			domain,
		},
		codecs,
		audio: source,
		amd,
		ringTimeoutS,
		maxDurationS,
		callbackUrl,
	};
}
