import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { activeGroup, createGroup } from "../chats/helpers";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";

const presence = (viewer: { auth: Record<string, string> }, id: string) =>
	api(`/v1/presence/${id}`, { headers: viewer.auth });

describe("GET /v1/presence/:userId and presence.get", () => {
	it("answers people who share a chat with the user, and the user themselves", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		await activeGroup(alice, [bob]);
		for (const [viewer, target] of [
			[bob, alice],
			[alice, bob],
			[alice, alice],
		] as const) {
			const res = await presence(viewer, target.id);
			expect(res.status).toBe(200);
			expect(await res.json()).toMatchObject({ user_id: target.id, online: false });
		}
	});

	it("a stranger or a pending invitee gets the same 404 as for an unknown user, over REST and the socket", async () => {
		const alice = await createTestUser();
		const stranger = await createTestUser();
		const invitee = await createTestUser();
		await createGroup(alice, "Not yet", [invitee.id]);
		const unknown = await presence(stranger, "00000000-0000-0000-0000-000000000000");
		expect(unknown.status).toBe(404);
		const unknownCode = await errorCode(unknown);
		for (const viewer of [stranger, invitee]) {
			const res = await presence(viewer, alice.id);
			expect(res.status).toBe(404);
			expect(await errorCode(res)).toBe(unknownCode);
		}
		const ws = await WsClient.connect(stranger);
		const err = await ws.call({ type: "presence.get", user_id: alice.id });
		expect(err).toMatchObject({ code: 404 });
		ws.close();
	});

	it("hidden still wins for someone who shares a chat", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		await activeGroup(alice, [bob]);
		await env.DB.prepare("UPDATE users SET hidden = 1 WHERE id = ?").bind(alice.id).run();
		const a = await WsClient.connect(alice);
		const res = await presence(bob, alice.id);
		expect(await res.json()).toEqual({ user_id: alice.id, online: false, last_seen: null });
		a.close();
	});
});
