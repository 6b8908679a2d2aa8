import { SignJWT } from "jose";
import type { PushConfig, PushProvider } from "./types";
import { encryptPayload, importP256Private } from "./webpush-crypto";

/** A browser PushSubscription as JSON: what a `webpush` device registers as its push_token. */
type Subscription = { endpoint: string; keys: { p256dh: string; auth: string } };

function parseSubscription(token: string): Subscription | null {
	try {
		const s = JSON.parse(token) as Subscription;
		const url = new URL(s.endpoint);
		if (url.protocol !== "https:" || typeof s.keys?.p256dh !== "string" || typeof s.keys?.auth !== "string")
			return null;
		return s;
	} catch {
		return null;
	}
}

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

/** Web Push (RFC 8030) with encrypted payloads (RFC 8291) and VAPID (RFC 8292). */
export function webPush(cfg: PushConfig, fetcher: typeof fetch = fetch): PushProvider {
	return {
		async send(device, n) {
			const sub = parseSubscription(device.push_token);
			if (!sub) return "gone";
			if (!cfg.VAPID_PUBLIC_KEY || !cfg.VAPID_PRIVATE_KEY) return "failed";
			const body = await encryptPayload(
				new TextEncoder().encode(JSON.stringify(n)),
				sub.keys.p256dh,
				sub.keys.auth,
			);
			const res = await fetcher(sub.endpoint, {
				method: "POST",
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
