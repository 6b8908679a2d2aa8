import { importPKCS8, SignJWT } from "jose";
import type { PushConfig, PushProvider } from "./types";

type ServiceAccount = { project_id: string; client_email: string; private_key: string; token_uri?: string };

let cached: { token: string; exp: number; email: string } | null = null;

/** OAuth 2.0 access token for FCM from a service account (JWT bearer grant, RFC 7523), cached until near expiry. */
async function accessToken(sa: ServiceAccount, fetcher: typeof fetch): Promise<string> {
	const now = Math.floor(Date.now() / 1000);
	if (cached && cached.email === sa.client_email && cached.exp > now + 60) return cached.token;
	const tokenUri = sa.token_uri ?? "https://oauth2.googleapis.com/token";
	const assertion = await new SignJWT({ scope: "https://www.googleapis.com/auth/firebase.messaging" })
		.setProtectedHeader({ alg: "RS256", typ: "JWT" })
		.setIssuer(sa.client_email)
		.setAudience(tokenUri)
		.setIssuedAt(now)
		.setExpirationTime(now + 3600)
		.sign(await importPKCS8(sa.private_key, "RS256"));
	const res = await fetcher(tokenUri, {
		method: "POST",
		headers: { "Content-Type": "application/x-www-form-urlencoded" },
		body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }),
	});
	if (!res.ok) throw new Error(`FCM token exchange failed: ${res.status}`);
	const body = (await res.json()) as { access_token: string; expires_in: number };
	cached = { token: body.access_token, exp: now + body.expires_in, email: sa.client_email };
	return body.access_token;
}

/** Firebase Cloud Messaging HTTP v1 (`projects/*\/messages:send`) for Android and iOS apps. */
export function fcmPush(cfg: PushConfig, fetcher: typeof fetch = fetch): PushProvider {
	return {
		async send(device, n) {
			if (!cfg.FCM_SERVICE_ACCOUNT) return "failed";
			const sa = JSON.parse(cfg.FCM_SERVICE_ACCOUNT) as ServiceAccount;
			const res = await fetcher(
				`https://fcm.googleapis.com/v1/projects/${encodeURIComponent(sa.project_id)}/messages:send`,
				{
					method: "POST",
					headers: {
						Authorization: `Bearer ${await accessToken(sa, fetcher)}`,
						"Content-Type": "application/json",
					},
					body: JSON.stringify({
						message: {
							token: device.push_token,
							notification: { title: n.title, body: n.body },
							data: n.data,
							android: { priority: "high" },
						},
					}),
				},
			);
			// UNREGISTERED comes back as 404; INVALID_ARGUMENT (400) for a malformed token.
			if (res.status === 404 || res.status === 400) return "gone";
			return res.ok ? "sent" : "failed";
		},
	};
}
