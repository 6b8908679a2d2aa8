/**
 * `POST /calls` bodies, read with the contract's schema (`@hatch/contract/dialer`,
 * the one the Worker builds them from) and turned into a {@link PlaceCall}. A
 * failure names the field with a stable code (INVALID_<FIELD>), so the Worker
 * can tell which input was wrong without parsing messages.
 */
import { CallRequest, callRequestError } from "@hatch/contract/dialer";
import type { PlaceCall } from "../call/manager.ts";
import { ApiError } from "./errors.ts";

/** `{url}` or `{inline}`, as the contract parsed it (exactly one is there). */
const source = (a: { url?: string; inline?: string }): PlaceCall["audio"] =>
	a.url !== undefined ? { url: a.url } : { inline: a.inline ?? "" };

/**
 * Check a POST /calls body and turn it into a {@link PlaceCall}.
 * @throws ApiError INVALID_* with the offending field.
 * @example validateCall(await c.req.json()).trunk.deny // the Worker's SIP_HOST_DENY
 */
export function validateCall(body: unknown): PlaceCall {
	const parsed = CallRequest.safeParse(body);
	if (!parsed.success) {
		const { code, message } = callRequestError(parsed.error);
		throw new ApiError(code, message);
	}
	const { trunk: t, audio, ...call } = parsed.data;
	return {
		callId: call.call_id,
		to: call.to,
		trunk: {
			host: t.host,
			port: t.port,
			transport: t.transport,
			username: t.username,
			password: t.password,
			authUsername: t.auth_username,
			fromUser: t.from_user,
			callerId: t.caller_id,
			domain: t.domain,
			deny: call.host_deny,
		},
		codecs: t.codecs,
		audio: source(audio),
		amd: call.amd && {
			onMachine: call.amd.on_machine,
			machineAudio: call.amd.machine_audio && source(call.amd.machine_audio),
		},
		ringTimeoutS: call.ring_timeout_s,
		maxDurationS: call.max_duration_s,
		callbackUrl: call.callback_url,
		rate: call.rate && { key: call.rate.key, callsPerSecond: call.rate.calls_per_second },
	};
}
