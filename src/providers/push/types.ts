/** What a push says. `data` values are strings (FCM requires it; Web Push gets them as JSON). */
export type PushNotification = { title: string; body: string; data: Record<string, string> };

/** A registered device, as the UserHub stores it. */
export type PushDevice = { device_id: string; type: "webpush" | "fcm"; push_token: string };

/** `gone`: the push service says this device no longer exists (forget it). */
export type PushOutcome = "sent" | "failed" | "gone";

/** One push channel (Web Push, FCM, console). */
export interface PushProvider {
	send(device: PushDevice, n: PushNotification): Promise<PushOutcome>;
}

/** Optional push secrets; read defensively so a missing one disables that channel, not the Worker. */
export type PushConfig = {
	PUSH_PROVIDER?: string;
	VAPID_PUBLIC_KEY?: string;
	VAPID_PRIVATE_KEY?: string;
	VAPID_SUBJECT?: string;
	FCM_SERVICE_ACCOUNT?: string;
};
