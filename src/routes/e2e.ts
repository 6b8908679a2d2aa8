import { E2eGroupInput, SendE2eInput } from "@hatch/contract/frames";
import { z } from "@hono/zod-openapi";
import { createDb } from "../db/client";
import { editE2eMessage, sendE2eMessage } from "../domain/chats/messages";
import { chatKeys, publishDeviceKey, removeDeviceKey } from "../domain/e2e/keys";
import { createRouter } from "../lib/router";
import { ChatIdParam, Message, route } from "./chat-schemas";

const tags = ["e2e"];
const DeviceParam = z.object({
	deviceId: z
		.string()
		.min(1)
		.max(64)
		.regex(/^[\w.:-]+$/),
});
const KeyMaterial = z.string().min(16).max(4096);
const DeviceKey = z
	.object({
		user_id: z.string(),
		device_id: z.string(),
		public_key: z.string(),
		signed_prekey: z.string().nullable(),
		fingerprint: z.string().openapi({ description: "SHA-256 (hex) of public_key" }),
		updated_at: z.number().int(),
	})
	.openapi("E2eDeviceKey");

const publish = route("put", "/v1/e2e/devices/{deviceId}", "Publish this device's public key", {
	tags,
	description:
		"Keys are the client's own (only public material; private keys never reach the server), stored encrypted at rest. A new or different key sends `e2e.key_changed` to everyone sharing an e2e chat with you and to your other devices.",
	params: DeviceParam,
	body: z
		.strictObject({ public_key: KeyMaterial, signed_prekey: KeyMaterial.nullable().optional() })
		.openapi("PublishDeviceKey"),
	response: z.object({ device: DeviceKey, changed: z.boolean() }),
});
const unpublish = route("delete", "/v1/e2e/devices/{deviceId}", "Remove a device from the key directory", {
	tags,
	params: DeviceParam,
	response: z.object({ device_id: z.string(), removed: z.boolean() }),
});
const keys = route(
	"get",
	"/v1/chats/{chatId}/e2e/keys",
	"Current keys of every member device of an e2e chat",
	{
		tags,
		params: ChatIdParam,
		response: z.object({ devices: z.array(DeviceKey) }),
	},
);
const send = route("post", "/v1/chats/{chatId}/e2e/messages", "Send a message group to an e2e chat", {
	tags,
	description:
		"One ciphertext per current device of every active member except the sending `device_id` (so the sender's other devices too). Anything else is refused with 409 `E2E_KEYS_CHANGED` and `details: {missing, unexpected, duplicate}`: fetch the keys again and re-encrypt. Idempotent on `client_id`.",
	params: ChatIdParam,
	body: SendE2eInput.strict().openapi("SendE2eMessage"),
	response: z.object({ message: Message, duplicate: z.boolean() }),
	status: 201,
});
const SeqParam = ChatIdParam.extend({ seq: z.coerce.number().int().positive() });
const edit = route(
	"patch",
	"/v1/chats/{chatId}/e2e/messages/{seq}",
	"Edit your e2e message with a new group",
	{
		tags,
		params: SeqParam,
		body: E2eGroupInput.strict().openapi("EditE2eMessage"),
		response: z.object({ message: Message }),
	},
);

const deps = (c: { env: Env }) => ({ env: c.env, db: createDb(c.env.DB) });

export const e2eRoutes = createRouter()
	.openapi(publish, async (c) =>
		c.json(
			await publishDeviceKey(deps(c), c.var.auth.userId, c.req.valid("param").deviceId, c.req.valid("json")),
			200,
		),
	)
	.openapi(unpublish, async (c) => {
		const { deviceId } = c.req.valid("param");
		return c.json(
			{ device_id: deviceId, removed: await removeDeviceKey(deps(c), c.var.auth.userId, deviceId) },
			200,
		);
	})
	.openapi(keys, async (c) =>
		c.json({ devices: await chatKeys(deps(c), c.var.auth.userId, c.req.valid("param").chatId) }, 200),
	)
	.openapi(send, async (c) => {
		const r = await sendE2eMessage(
			c.env,
			c.var.auth.userId,
			c.req.valid("param").chatId,
			c.req.valid("json"),
		);
		return c.json(r, r.duplicate ? 200 : 201);
	})
	.openapi(edit, async (c) => {
		const { chatId, seq } = c.req.valid("param");
		return c.json(
			{ message: await editE2eMessage(c.env, c.var.auth.userId, chatId, seq, c.req.valid("json")) },
			200,
		);
	});
