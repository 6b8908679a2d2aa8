import { SignJWT } from "jose";
import { dohResolve } from "../../domain/push/doh";
import { type Resolve, resolvedEndpointProblem } from "../../domain/push/endpoint-policy";
import { parseSubscription } from "../../domain/push/subscription";
import { createLogger } from "../../lib/log";
import type { PushConfig, PushProvider } from "./types";
import { encryptPayload, importP256Private } from "./webpush-crypto";

/**
 * RFC 8292 VAPID: an ES256 JWT for the push service's origin, valid 12 hours.
 *
 * @example headers.Authorization = await vapidAuthorization(cfg, "https://fcm.googleapis.com")
 */
export async function vapidAuthorization(
	cfg: Required<Pick<PushConfig, "VAPID_PUBLIC_KEY" | "VAPID_PRIVATE_KEY" | "VAPID_SUBJECT">>,
	audience: string,
) {
	const key = await importP256Private(cfg.VAPID_PRIVATE_KEY, cfg.VAPID_PUBLIC_KEY, "ECDSA");
	const jwt = await new SignJWT({ sub: cfg.VAPID_SUBJECT })
		.setProtectedHeader({ typ: "JWT", alg: "ES256" })
		.setAudience(audience)
		.setExpirationTime(Math.floor(Date.now() / 1000) + 12 * 3600)
		.sign(key);
	return `vapid t=${jwt}, k=${cfg.VAPID_PUBLIC_KEY}`;
}

/**
 * Web Push (RFC 8030) with encrypted payloads (RFC 8291) and VAPID (RFC 8292).
 * Before each send the endpoint is judged again with its name resolved
 * (`resolve`, DNS over HTTPS by default): a device registered before the rule,
 * or whose name now points at a private address, is dropped ("gone") with the
 * reason logged; a name that does not resolve is skipped this time.
 */
export function webPush(
	cfg: PushConfig,
	fetcher: typeof fetch = fetch,
	resolve: Resolve = dohResolve(fetcher),
): PushProvider {
	const log = createLogger({ module: "push" });
	return {
		async send(device, n) {
			const sub = parseSubscription(device.push_token);
			if (!sub) return "gone";
			if (!cfg.VAPID_PUBLIC_KEY || !cfg.VAPID_PRIVATE_KEY) return "failed";
			const problem = await resolvedEndpointProblem(sub.endpoint, resolve);
			if (problem) {
				const unresolved = problem === "unresolved";
				log.warn(
					unresolved ? "push endpoint did not resolve, skipped" : "push endpoint refused, device dropped",
					{
						device: device.device_id,
						reason: unresolved ? "no address" : `${problem.code}: ${problem.message}`,
					},
				);
				return unresolved ? "failed" : "gone";
			}
			const body = await encryptPayload(
				new TextEncoder().encode(JSON.stringify(n)),
				sub.keys.p256dh,
				sub.keys.auth,
			);
			const res = await fetcher(sub.endpoint, {
				method: "POST",
				// A redirect would be a second destination nobody judged.
				redirect: "manual",
				headers: {
					Authorization: await vapidAuthorization(
						{
							VAPID_PUBLIC_KEY: cfg.VAPID_PUBLIC_KEY,
							VAPID_PRIVATE_KEY: cfg.VAPID_PRIVATE_KEY,
							VAPID_SUBJECT: cfg.VAPID_SUBJECT ?? "mailto:admin@hatch.invalid",
						},
						new URL(sub.endpoint).origin,
					),
					"Content-Encoding": "aes128gcm",
					"Content-Type": "application/octet-stream",
					TTL: "86400",
					Urgency: "high",
				},
				body,
			});
			if (res.status === 404 || res.status === 410) return "gone";
			return res.ok ? "sent" : "failed";
		},
	};
}
