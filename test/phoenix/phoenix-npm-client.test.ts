import { Socket } from "phoenix";
import { describe, expect, it } from "vitest";
import { api } from "../helpers/http";
import { bearer, register } from "./helpers";
import { SelfTransport } from "./self-transport";

type Reply = { status: string; response: Record<string, unknown> };

/** Joins with the real client and resolves with the outcome the server replied. */
function join(channel: ReturnType<Socket["channel"]>): Promise<Reply> {
	return new Promise((resolve) => {
		channel
			.join()
			.receive("ok", (response: Record<string, unknown>) => resolve({ status: "ok", response }))
			.receive("error", (response: Record<string, unknown>) => resolve({ status: "error", response }));
	});
}

function pushed(channel: ReturnType<Socket["channel"]>, event: string, payload: object): Promise<Reply> {
	return new Promise((resolve) => {
		channel
			.push(event, payload)
			.receive("ok", (response: Record<string, unknown>) => resolve({ status: "ok", response }))
			.receive("error", (response: Record<string, unknown>) => resolve({ status: "error", response }));
	});
}

describe("the phoenix npm client against /compat/phoenix/socket", () => {
	it("joins user: and conversation: channels and receives a message sent natively", async () => {
		const bob = await register("Bob");
		const native = await register("Native");
		const socket = new Socket("wss://hatch.test/compat/phoenix/socket", {
			transport: SelfTransport,
			params: { token: bob.auth_token },
			heartbeatIntervalMs: 200,
		});
		socket.connect();
		const userChannel = socket.channel(`user:${bob.user.id}`, {});
		expect(await join(userChannel)).toEqual({ status: "ok", response: {} });
		expect((await pushed(userChannel, "key:set", { public_key: "bob-public-key-0001" })).status).toBe("ok");
		const refused = socket.channel(`user:${native.user.id}`, {});
		expect(await join(refused)).toEqual({ status: "error", response: { reason: "unauthorized" } });
		refused.leave();

		// The native side: a device key and an e2e direct chat with Bob.
		await api("/v1/e2e/devices/laptop", {
			method: "PUT",
			headers: bearer(native),
			json: { public_key: "native-public-key-0001" },
		});
		const direct = await api("/v1/chats/direct", {
			method: "POST",
			headers: bearer(native),
			json: { user: bob.user.id, e2e: true },
		});
		const chatId = ((await direct.json()) as { chat: { id: string } }).chat.id;
		const conversation = socket.channel(`conversation:${chatId}`, {});
		const arrived = new Promise<Record<string, unknown>>((resolve) =>
			conversation.on("message:new", resolve),
		);
		expect((await join(conversation)).status).toBe("ok");
		const sent = await api(`/v1/chats/${chatId}/e2e/messages`, {
			method: "POST",
			headers: bearer(native),
			json: {
				client_id: "n1",
				device_id: "laptop",
				copies: [{ user_id: bob.user.id, device_id: "phoenix", ciphertext: "sealed-for-bob" }],
			},
		});
		expect(sent.status).toBe(201);
		expect(await arrived).toMatchObject({ sender: native.user.id, content: "sealed-for-bob" });
		// Heartbeats are answered: the client keeps its connection.
		await new Promise<void>((resolve) => {
			const ref = socket.onMessage((m: { topic: string; event: string }) => {
				if (m.topic === "phoenix" && m.event === "phx_reply") {
					socket.off([ref]);
					resolve();
				}
			});
		});
		expect(socket.isConnected()).toBe(true);
		socket.disconnect();
	});
});
