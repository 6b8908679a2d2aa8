/**
 * A `webpush` device's push_token: the browser's PushSubscription as JSON.
 * Read here once for registration (REST and the socket's device.register)
 * and for sending (providers/push/webpush.ts).
 */
import { ApiError } from "../../errors";
import { endpointProblem } from "./endpoint-policy";

/** A browser PushSubscription as JSON. */
export type Subscription = { endpoint: string; keys: { p256dh: string; auth: string } };

/** The subscription in `token`, or null when it is not one (its endpoint is judged separately). */
export function parseSubscription(token: string): Subscription | null {
	try {
		const s = JSON.parse(token) as Partial<Subscription> | null;
		if (typeof s?.endpoint !== "string") return null;
		if (typeof s.keys?.p256dh !== "string" || typeof s.keys.auth !== "string") return null;
		if (!s.keys.p256dh || !s.keys.auth) return null;
		return { endpoint: s.endpoint, keys: { p256dh: s.keys.p256dh, auth: s.keys.auth } };
	} catch {
		return null;
	}
}

/**
 * Refuses a device whose token cannot be pushed to: 400 VALIDATION_FAILED
 * when a `webpush` token is not a subscription, 422 PUSH_ENDPOINT_INVALID /
 * PUSH_ENDPOINT_DENIED when its endpoint is not a public https URL (see
 * endpoint-policy.ts). `fcm` tokens go to Google's fixed URL and pass.
 * @example assertPushToken("webpush", '{"endpoint":"https://10.0.0.1:8443/",…}') // throws PUSH_ENDPOINT_INVALID
 */
export function assertPushToken(type: "webpush" | "fcm", token: string): void {
	if (type !== "webpush") return;
	const sub = parseSubscription(token);
	if (!sub)
		throw new ApiError(
			"VALIDATION_FAILED",
			"webpush push_token must be a PushSubscription JSON: {endpoint, keys: {p256dh, auth}}",
		);
	const problem = endpointProblem(sub.endpoint);
	if (problem) throw new ApiError(problem.code, problem.message, { status: 422 });
}
