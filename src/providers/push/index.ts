import { consolePush } from "./console";
import { fcmPush } from "./fcm";
import type { PushConfig, PushDevice, PushNotification, PushProvider } from "./types";
import { webPush } from "./webpush";

export type { PushDevice, PushNotification, PushProvider } from "./types";

/**
 * The provider for a device type under the configured PUSH_PROVIDER:
 * `console` (development, tests) records instead of sending; anything else
 * sends for real (Web Push with VAPID for `webpush` devices, FCM HTTP v1 for
 * `fcm` devices). Production config sets PUSH_PROVIDER=webpush.
 */
export function pushProviderFor(env: Env, userId: string, type: PushDevice["type"]): PushProvider {
	const cfg = env as unknown as PushConfig;
	if (cfg.PUSH_PROVIDER === "console" && env.ENVIRONMENT !== "production") return consolePush(userId);
	return type === "fcm" ? fcmPush(cfg) : webPush(cfg);
}

/** Sends to each device; reports which devices are gone for good. */
export async function sendToDevices(env: Env, userId: string, devices: PushDevice[], n: PushNotification) {
	let sent = 0;
	let failed = 0;
	const gone: string[] = [];
	await Promise.all(
		devices.map(async (d) => {
			try {
				const outcome = await pushProviderFor(env, userId, d.type).send(d, n);
				if (outcome === "sent") sent++;
				else if (outcome === "gone") gone.push(d.device_id);
				else failed++;
			} catch {
				failed++;
			}
		}),
	);
	return { sent, failed, gone };
}

/**
 * CONTRACT (calls): pushes a notification to every registered device of a user.
 *
 * @example await sendPushToUser(env, calleeId, { title: "Incoming call", body: "Alice", data: { call_id } });
 */
export async function sendPushToUser(env: Env, userId: string, notification: PushNotification) {
	const hub = env.USER_HUB.get(env.USER_HUB.idFromName(userId));
	return hub.sendPush(notification);
}
