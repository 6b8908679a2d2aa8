import { z } from "zod";

/**
 * Call signalling frames (the Egg seed's "Звонки": c2s_call_offer … s2c_turn_server),
 * in the native protocol's shape: `{type, id, ...}` requests answered by one
 * `result`/`error` with the same `id`, and `{type, call_id, ...}` events.
 * `candidate` and `ice_servers` entries keep WebRTC's own field names
 * (RTCIceCandidateInit, RTCIceServer) so clients hand them to
 * RTCPeerConnection untouched.
 */

export const CALL_LIMITS = {
	/** An SDP with audio+video and many codecs is ~10 KB; 32 KiB leaves room and stays under the frame cap. */
	SDP_MAX: 32_768,
	CANDIDATE_MAX: 1024,
	REASON_MAX: 200,
} as const;

const RequestId = z.union([z.string().min(1).max(64), z.number().int().nonnegative()]);
const CallId = z.string().min(1).max(64);
const Sdp = z
	.string()
	.max(CALL_LIMITS.SDP_MAX)
	.regex(/^v=0\r?\n/, "an SDP starts with v=0");

export const IceCandidate = z
	.object({
		/** "" is the end-of-candidates marker, which is forwarded like any other. */
		candidate: z.string().max(CALL_LIMITS.CANDIDATE_MAX),
		sdpMid: z.string().max(64).nullable().optional(),
		sdpMLineIndex: z.number().int().min(0).max(1023).nullable().optional(),
		usernameFragment: z.string().max(256).nullable().optional(),
	})
	.strict();
export type IceCandidate = z.infer<typeof IceCandidate>;

/** SIP response codes a client may end a call with (RFC 3261 §21: 2xx–6xx). */
export const ByeCode = z.number().int().min(200).max(699);

const req = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
	z.object({ type: z.literal(type), id: RequestId, ...shape }).strict();

/** Client → server call requests. `call_id` may be omitted: it then means the user's current call. */
export const CallClientFrame = z.discriminatedUnion("type", [
	req("call.offer", { callee: z.string().trim().min(1).max(64), sdp: Sdp }),
	req("call.ack", { call_id: CallId.optional() }),
	req("call.answer", { call_id: CallId.optional(), sdp: Sdp }),
	req("call.ice", { call_id: CallId.optional(), candidate: IceCandidate }),
	req("call.bye", {
		call_id: CallId.optional(),
		code: ByeCode.default(200),
		reason: z.string().max(CALL_LIMITS.REASON_MAX).optional(),
	}),
	req("call.lock_turn", {}),
]);
export type CallClientFrame = z.infer<typeof CallClientFrame>;
export type CallClientFrameType = CallClientFrame["type"];

/** A TURN lease as clients receive it (the seed's s2c_turn_server). */
export type TurnServerInfo = {
	ice_servers: { urls: string[]; username?: string; credential?: string }[];
	username: string;
	credential: string;
	credential_type: "password";
	ttl_s: number;
	/** Unix ms. */
	expires_at: number;
};

export type CallParty = "caller" | "callee" | "system";

/** Server → client call events. */
export type CallEvent =
	| ({ type: "call.turn_server" } & TurnServerInfo)
	| {
			type: "call.offer";
			call_id: string;
			caller: { id: string; display_name: string };
			sdp: string;
			/** The caller's TURN server, so the callee can allocate on the same one; null when none was available. */
			turn_server: TurnServerInfo | null;
			/** Caller candidates sent before this device got the offer. */
			candidates: IceCandidate[];
			/** Unix ms when ringing stops. */
			ring_until: number;
	  }
	| { type: "call.ack"; call_id: string }
	| { type: "call.answer"; call_id: string; sdp: string }
	| { type: "call.ice"; call_id: string; candidate: IceCandidate }
	| { type: "call.bye"; call_id: string; code: number; reason: string; ended_by: CallParty };

/** Results of call requests (the `result` of the reply frame). */
export type CallResult =
	| { call_id: string; callee: string } // call.offer
	| { call_id: string } // ack, answer, ice, bye
	| TurnServerInfo; // call.lock_turn
