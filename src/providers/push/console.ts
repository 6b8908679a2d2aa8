import type { PushDevice, PushNotification, PushProvider } from "./types";

/** What the console provider "sent", newest last (development and tests read it). */
export const consoleOutbox: {
	userId: string;
	device: PushDevice;
	notification: PushNotification;
	at: number;
}[] = [];

/** Development push: logs and records instead of sending. Never selected in production. */
export function consolePush(userId: string): PushProvider {
	return {
		async send(device, notification) {
			consoleOutbox.push({ userId, device, notification, at: Date.now() });
			if (consoleOutbox.length > 1000) consoleOutbox.shift();
			console.log(
				JSON.stringify({
					level: "info",
					msg: "push (console)",
					userId,
					device: device.device_id,
					title: notification.title,
				}),
			);
			return "sent";
		},
	};
}
