import { z } from "@hono/zod-openapi";
import { presenceOf } from "../../durable-objects/user-hub/presence";
import { hubOf } from "../domain/chats/deps";
import { assertPushToken } from "../domain/push/subscription";
import { ApiError } from "../errors";
import { createRouter } from "../lib/router";
import { route } from "./chat-schemas";

const tags = ["devices"];
const Device = z
	.object({
		device_id: z.string(),
		type: z.enum(["webpush", "fcm"]),
		created_at: z.number().int(),
		updated_at: z.number().int(),
	})
	.openapi("Device");

const register = route("post", "/v1/devices", "Register a device for push (Egg c2s_device_register)", {
	tags,
	description:
		"`webpush`: `push_token` is the browser PushSubscription as JSON ({endpoint, keys: {p256dh, auth}}). `fcm`: the FCM registration token. Registering the same `device_id` again replaces its token. A `webpush` endpoint must be https on port 443 with a DNS name or a canonically written public IP (422 `PUSH_ENDPOINT_INVALID`; a private, loopback, link-local, CGNAT, multicast or reserved address is 422 `PUSH_ENDPOINT_DENIED`).",
	body: z
		.strictObject({
			push_token: z.string().min(1).max(4096),
			type: z.enum(["webpush", "fcm"]),
			device_id: z.string().min(1).max(128),
		})
		.openapi("RegisterDevice"),
	response: z.object({ device_id: z.string(), type: z.enum(["webpush", "fcm"]) }),
});
const list = route("get", "/v1/devices", "Your registered push devices", {
	tags,
	response: z.object({ devices: z.array(Device) }),
});
const unregister = route("delete", "/v1/devices/{deviceId}", "Unregister a device", {
	tags,
	params: z.object({ deviceId: z.string().min(1).max(128) }),
	response: z.object({ device_id: z.string(), removed: z.boolean() }),
});
const presence = route("get", "/v1/presence/{userId}", "Is a user online, and when were they last seen", {
	tags: ["presence"],
	description:
		"Only for people who share a chat with the user (both active members); anyone else gets 404 USER_NOT_FOUND, as for an unknown id. A user who set `hidden` always appears offline with no last visit.",
	params: z.object({ userId: z.string().min(1).max(64) }),
	response: z.object({ user_id: z.string(), online: z.boolean(), last_seen: z.number().int().nullable() }),
});

export const deviceRoutes = createRouter()
	.openapi(register, async (c) => {
		const body = c.req.valid("json");
		assertPushToken(body.type, body.push_token);
		return c.json(await hubOf(c.env, c.var.auth.userId).registerDevice(c.var.auth.userId, body), 200);
	})
	.openapi(list, async (c) => c.json({ devices: await hubOf(c.env, c.var.auth.userId).devices() }, 200))
	.openapi(unregister, async (c) => {
		const { deviceId } = c.req.valid("param");
		return c.json(
			{ device_id: deviceId, removed: await hubOf(c.env, c.var.auth.userId).unregisterDevice(deviceId) },
			200,
		);
	})
	.openapi(presence, async (c) => {
		const p = await presenceOf(c.env, c.var.auth.userId, c.req.valid("param").userId);
		if (!p) throw new ApiError("USER_NOT_FOUND", "No such user", { status: 404 });
		return c.json(p, 200);
	});
