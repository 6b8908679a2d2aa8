import { hostPolicyProblem } from "@hatch/shared/host-policy";
import { hostSyntaxProblem } from "@hatch/shared/host-syntax";
import { z } from "zod";
import { DialerEvent } from "./dialer-events.ts";
import { publicReason } from "./dialer-reason.ts";

/**
 * The dialer's control API (Worker → dialer), declared once: `POST /calls`,
 * `GET /calls/:id`, `DELETE /calls/:id`, `GET /health` and the error body.
 * The dialer parses requests with these schemas and the Worker builds them
 * from the same types, so neither side can drift from the other. Unknown
 * fields are dropped, not refused, so either side can be deployed first when
 * a field is added.
 */

export const Codec = z.enum(["PCMU", "PCMA"]).meta({ id: "Codec" });
export type Codec = z.infer<typeof Codec>;

export const SipTransportName = z.enum(["udp", "tcp", "tls"]);
export type SipTransportName = z.infer<typeof SipTransportName>;

/** No control characters: they would break a SIP header line. */
function printable(s: string): boolean {
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c < 0x20 || c === 0x7f) return false;
	}
	return true;
}

/** A SIP user part we write into URIs: no spaces, quotes, angle brackets or '@'. */
export const SipUser = z
	.string()
	.min(1)
	.max(128)
	.regex(/^[A-Za-z0-9._~+!$&'()*,;=:%-]+$/, "letters, digits and . _ ~ + ! $ & ' ( ) * , ; = : % -");
/** A digest username: anything printable but quotes and backslashes. */
export const SipAuthUser = z
	.string()
	.min(1)
	.max(128)
	.refine((s) => printable(s) && !/["\\]/.test(s), "printable, without quotes or backslashes");
/** The display name / user of the caller id: printable, no quotes, backslashes or angle brackets. */
export const SipCallerId = z
	.string()
	.min(1)
	.max(64)
	.refine((s) => printable(s) && !/["\\<>]/.test(s), 'printable, without " \\ < >');
/** The SIP domain written into Request-URI, From and To (not a destination: never resolved). */
export const SipDomain = z
	.string()
	.min(1)
	.max(253)
	.regex(
		/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
	);

/** A gateway host (see @hatch/shared/host-syntax): a DNS name or a canonical IP literal, nothing else. */
export const GatewayHost = z.string().superRefine((s, ctx) => {
	const problem = hostSyntaxProblem(s);
	if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** The trunk as `POST /calls` carries it: the password in clear, in memory only. */
export const DialTrunk = z
	.object({
		host: GatewayHost,
		port: z.number().int().min(1).max(65535).default(5060),
		transport: SipTransportName.default("udp"),
		username: SipUser.optional(),
		password: z.string().max(256).optional(),
		auth_username: SipAuthUser.optional(),
		from_user: SipUser.max(64).optional(),
		caller_id: SipCallerId.optional(),
		domain: SipDomain.optional(),
		codecs: z
			.array(Codec)
			.min(1)
			.max(2)
			.refine((c) => new Set(c).size === c.length, "codecs must be distinct")
			.default(["PCMU", "PCMA"]),
	})
	.meta({ id: "DialTrunk" });
export type DialTrunk = z.input<typeof DialTrunk>;

const httpUrl = z.string().max(2048).refine(isHttpUrl, "an http(s) URL");

function isHttpUrl(s: string): boolean {
	try {
		return /^https?:$/.test(new URL(s).protocol);
	} catch {
		return false;
	}
}

/** `{url}` (fetched with the dialer's token, cached by ETag) or `{inline}` (base64 WAV/MP3): exactly one. */
export const DialAudio = z
	.object({
		url: httpUrl.optional(),
		inline: z
			.string()
			.min(1)
			.max(70 * 1024 * 1024)
			.regex(/^[A-Za-z0-9+/]+={0,2}$/, "base64 of a WAV or MP3 file")
			.optional(),
	})
	.refine((a) => (a.url === undefined) !== (a.inline === undefined), "give exactly one of url and inline");

/**
 * Answering-machine detection for one call: on answer the dialer listens
 * before it plays. A machine is hung up on (`hangup`), or hears the sound
 * (`play`) or `machine_audio` (`play_other`, and only with it) after its greeting.
 */
export const DialAmd = z
	.object({
		on_machine: z.enum(["hangup", "play", "play_other"]).default("hangup"),
		machine_audio: DialAudio.optional(),
	})
	.refine((a) => (a.on_machine === "play_other") === (a.machine_audio !== undefined), {
		message: 'machine_audio goes with on_machine "play_other", and it needs one',
		path: ["machine_audio"],
	})
	.meta({ id: "DialAmd" });
export type DialAmd = z.input<typeof DialAmd>;

/** Body of `POST /calls`. */
export const CallRequest = z
	.object({
		call_id: z
			.string()
			.min(1)
			.max(128)
			.refine((s) => printable(s) && !s.includes("/"), "printable, without '/'"),
		to: z.string().regex(/^\+?\d{1,32}$/, "digits with an optional leading +"),
		trunk: DialTrunk,
		audio: DialAudio,
		ring_timeout_s: z.number().min(1).max(300).default(30),
		max_duration_s: z.number().min(1).max(14400).default(3600),
		callback_url: httpUrl.optional(),
		/**
		 * The campaign's configured rate: the dialer sends at most `calls_per_second`
		 * first INVITEs for `key` (the campaign) in any one-second window, as a carrier
		 * counts them, holding a call for its slot rather than exceeding it. Below one
		 * per second, one call per 1/rate seconds. Absent: the call is not paced.
		 */
		rate: z
			.object({ key: z.string().min(1).max(128), calls_per_second: z.number().positive().max(1000) })
			.optional(),
		/** Answering-machine detection; absent: none, the sound plays at the answer. */
		amd: DialAmd.optional(),
		/**
		 * The Worker's SIP_HOST_DENY, sent with every call: the dialer judges every
		 * address it resolves (trunk, next hops) by it just before sending. Required,
		 * so a dialer is never open by default; a malformed list is refused.
		 */
		host_deny: z
			.string()
			.max(2048)
			.superRefine((s, ctx) => {
				const problem = hostPolicyProblem(s);
				if (problem) ctx.addIssue({ code: "custom", message: problem });
			}),
	})
	.meta({ id: "DialerCallRequest" });
/** What the Worker sends (defaults may be left out). */
export type CallRequest = z.input<typeof CallRequest>;
/** What the dialer works with after parsing (defaults filled in). */
export type ParsedCallRequest = z.output<typeof CallRequest>;

/**
 * The stable code for the first problem zod found in a `POST /calls` body:
 * `INVALID_<FIELD>` (`INVALID_TRUNK_HOST`, `INVALID_AUDIO_URL`, …), so a client
 * can tell which input was wrong without reading messages.
 * @example callRequestError(CallRequest.safeParse({}).error) // { code: "INVALID_CALL_ID", message: "call_id: …" }
 */
export function callRequestError(error: z.ZodError): { code: string; message: string } {
	const issue = error.issues[0];
	const [first, second] = issue?.path ?? [];
	if (typeof first !== "string") return { code: "INVALID_BODY", message: "body must be a JSON object" };
	const field = FIELD_CODES[first] ?? first.toUpperCase();
	const sub = typeof second === "string" ? `_${second.toUpperCase()}` : "";
	const where = issue?.path.map(String).join(".");
	return { code: `INVALID_${field}${sub}`, message: `${where}: ${issue?.message ?? "invalid"}` };
}

const FIELD_CODES: Record<string, string> = {
	ring_timeout_s: "RING_TIMEOUT",
	max_duration_s: "MAX_DURATION",
};

/** `201` answer to `POST /calls`, and `202` to `DELETE /calls/:id`. */
export const CallAccepted = z
	.object({ call_id: z.string(), state: z.string() })
	.meta({ id: "DialerCallAccepted" });
export type CallAccepted = z.infer<typeof CallAccepted>;

/** A call's state: its last non-DTMF event type. */
export const CallState = z.enum([
	"trying",
	"ringing",
	"early_media",
	"answered",
	"completed",
	"busy",
	"no_answer",
	"failed",
	"canceled",
]);
export type CallState = z.infer<typeof CallState>;

/** `GET /calls/:id`: times on the dialer's clock (ISO 8601). */
export const CallView = z
	.object({
		call_id: z.string(),
		state: CallState,
		to: z.string(),
		created_at: z.string(),
		answered_at: z.string().optional(),
		ended_at: z.string().optional(),
		/** The final SIP status: 200 for an answered call however it ended, 0 when the gateway never answered. */
		sip_code: z.number().int().optional(),
		/** As an event's: never a socket error's text. */
		reason: z.string().overwrite(publicReason).optional(),
		/** RTP packets sent, received from the far end, and skipped (late after a stall), once answered. */
		rtp: z.object({ sent: z.number(), received: z.number(), skipped: z.number() }).optional(),
		events: z.array(DialerEvent),
	})
	.meta({ id: "DialerCallView" });
export type CallView = z.input<typeof CallView>;

/** `GET /health` (no token). */
export const DialerHealth = z
	.object({
		ok: z.boolean(),
		active_calls: z.number().int(),
		capacity: z.number().int(),
		/** How RTP leaves the process, once the media thread is up. */
		rtp_send: z.enum(["native", "dgram"]).optional(),
		/** What times the packets: the native send clock's thread ("fifo 10, io_uring"), absent when the pacer does. */
		rtp_clock: z.string().optional(),
	})
	.meta({ id: "DialerHealth" });
export type DialerHealth = z.infer<typeof DialerHealth>;

/** Every error the control API answers, as the Worker's: `{error: {code, message, requestId}}`. */
export const DialerErrorBody = z
	.object({ error: z.object({ code: z.string(), message: z.string(), requestId: z.string() }) })
	.meta({ id: "DialerError" });
export type DialerErrorBody = z.infer<typeof DialerErrorBody>;
