import { describe, expect, it } from "vitest";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { accept, activeGroup, createGroup, openDirect, send } from "./helpers";

type Chat = {
	id: string;
	kind: string;
	name: string | null;
	status: string;
	role: string;
	unread: number;
	muted: boolean;
	owner_id: string | null;
	last_message: { text: string } | null;
	last_seq: number;
	invited_by: { id: string; display_name: string } | null;
	members?: { user_id: string; role: string; status: string }[];
};

const list = async (u: { auth: Record<string, string> }) =>
	((await (await api("/v1/chats", { headers: u.auth })).json()) as { chats: Chat[] }).chats;

describe("group chats over REST", () => {
	it("creates a group, invites by id or username, and the invitees accept or reject", async () => {
		const owner = await createTestUser({ displayName: "Owner" });
		const bobName = `bob_${crypto.randomUUID().slice(0, 8)}`;
		const bob = await createTestUser({ username: bobName });
		const carol = await createTestUser();
		const chat = await createGroup(owner, "Team", [bobName, carol.id]);
		expect(chat.members.find((m) => m.user_id === owner.id)).toMatchObject({
			role: "owner",
			status: "active",
		});
		expect(chat.members.filter((m) => m.status === "invited")).toHaveLength(2);

		expect((await list(bob)).find((c) => c.id === chat.id)).toMatchObject({
			status: "invited",
			name: "Team",
		});
		await accept(bob, chat.id);
		expect((await list(bob)).find((c) => c.id === chat.id)?.status).toBe("active");
		const rej = await api(`/v1/chats/${chat.id}/reject`, { method: "POST", headers: carol.auth });
		expect(rej.status).toBe(200);
		expect((await list(carol)).find((c) => c.id === chat.id)).toBeUndefined();
		// Rejecting twice: there is nothing left to reject, and no leak either.
		expect((await api(`/v1/chats/${chat.id}/reject`, { method: "POST", headers: carol.auth })).status).toBe(
			404,
		);
	});

	it("an invited member cannot read or send until they accept", async () => {
		const owner = await createTestUser();
		const bob = await createTestUser();
		const chat = await createGroup(owner, "Secret", [bob.id]);
		await send(owner, chat.id, "before bob joined");
		const read = await api(`/v1/chats/${chat.id}/messages`, { headers: bob.auth });
		expect(read.status).toBe(403);
		const post = await api(`/v1/chats/${chat.id}/messages`, {
			method: "POST",
			headers: bob.auth,
			json: { client_id: "x", text: "hi" },
		});
		expect(post.status).toBe(403);
		await accept(bob, chat.id);
		const after = await api(`/v1/chats/${chat.id}/messages`, { headers: bob.auth });
		expect(after.status).toBe(200);
	});

	it("an invitee sees the invitation and who sent it, but no content, in the list and in chat info", async () => {
		const owner = await createTestUser({ displayName: "Olga" });
		const bob = await createTestUser();
		const chat = await createGroup(owner, "Plans", [bob.id]);
		await send(owner, chat.id, "the secret plan");
		const seen = [
			(await list(bob)).find((c) => c.id === chat.id),
			(await (await api(`/v1/chats/${chat.id}`, { headers: bob.auth })).json()) as Chat,
		];
		for (const c of seen) {
			expect(c).toMatchObject({
				status: "invited",
				name: "Plans",
				last_message: null,
				last_seq: 0,
				unread: 0,
				invited_by: { id: owner.id, display_name: "Olga" },
			});
			expect(JSON.stringify(c)).not.toContain("secret");
		}
		await accept(bob, chat.id);
		expect((await list(bob)).find((c) => c.id === chat.id)).toMatchObject({
			status: "active",
			invited_by: null,
			last_message: { text: "the secret plan" },
		});
	});

	it("lists chats newest first with the last message and unread count", async () => {
		const a = await createTestUser();
		const b = await createTestUser();
		const g1 = await activeGroup(a, [b], "one");
		const g2 = await activeGroup(a, [b], "two");
		await send(a, g2, "in two");
		await send(a, g1, "first in one");
		const last = await send(a, g1, "second in one");
		const chats = await list(b);
		expect(chats.map((c) => c.id).slice(0, 2)).toEqual([g1, g2]);
		expect(chats[0]).toMatchObject({ unread: 2, last_message: { text: "second in one" } });
		expect(chats[1]?.unread).toBe(1);
		expect((await list(a))[0]?.unread).toBe(0);
		const marker = await api(`/v1/chats/${g1}/read`, {
			method: "POST",
			headers: b.auth,
			json: { seq: last.seq },
		});
		expect(marker.status).toBe(200);
		expect((await list(b)).find((c) => c.id === g1)?.unread).toBe(0);
	});

	it("renames (owner/admin only), promotes, removes members and hands over ownership on leave", async () => {
		const owner = await createTestUser();
		const admin = await createTestUser();
		const member = await createTestUser();
		const chatId = await activeGroup(owner, [admin, member]);
		const denied = await api(`/v1/chats/${chatId}`, {
			method: "PATCH",
			headers: member.auth,
			json: { name: "Mine" },
		});
		expect(denied.status).toBe(403);
		const promote = await api(`/v1/chats/${chatId}/members/${admin.id}`, {
			method: "PATCH",
			headers: owner.auth,
			json: { role: "admin" },
		});
		expect(promote.status).toBe(200);
		const byMember = await api(`/v1/chats/${chatId}/members/${admin.id}`, {
			method: "PATCH",
			headers: member.auth,
			json: { role: "member" },
		});
		expect(byMember.status).toBe(403);
		const renamed = await api(`/v1/chats/${chatId}`, {
			method: "PATCH",
			headers: admin.auth,
			json: { name: "Renamed" },
		});
		expect(((await renamed.json()) as Chat).name).toBe("Renamed");
		// An admin cannot remove the owner.
		expect(
			(await api(`/v1/chats/${chatId}/members/${owner.id}`, { method: "DELETE", headers: admin.auth }))
				.status,
		).toBe(403);
		expect(
			(await api(`/v1/chats/${chatId}/members/${member.id}`, { method: "DELETE", headers: admin.auth }))
				.status,
		).toBe(200);
		expect((await api(`/v1/chats/${chatId}`, { headers: member.auth })).status).toBe(404);
		// The owner leaves: the admin inherits the group.
		expect((await api(`/v1/chats/${chatId}/leave`, { method: "POST", headers: owner.auth })).status).toBe(
			200,
		);
		const info = (await (await api(`/v1/chats/${chatId}`, { headers: admin.auth })).json()) as Chat;
		expect(info.owner_id).toBe(admin.id);
		expect(info.role).toBe("owner");
	});

	it("the owner cannot demote themselves, and a refused role change changes nothing", async () => {
		const owner = await createTestUser();
		const bob = await createTestUser();
		const carol = await createTestUser();
		const chatId = await activeGroup(owner, [bob]);
		await api(`/v1/chats/${chatId}/invitations`, {
			method: "POST",
			headers: owner.auth,
			json: { user: carol.id },
		});
		const roles = async () =>
			((await (await api(`/v1/chats/${chatId}`, { headers: owner.auth })).json()) as Chat).members?.map(
				(m) => `${m.user_id === owner.id ? "owner" : m.user_id === bob.id ? "bob" : "carol"}:${m.role}`,
			);
		const before = await roles();
		const self = await api(`/v1/chats/${chatId}/members/${owner.id}`, {
			method: "PATCH",
			headers: owner.auth,
			json: { role: "member" },
		});
		expect(self.status).toBe(409);
		expect(await errorCode(self)).toBe("OWNER_ROLE_FIXED");
		// An invitee is not an active member yet: refused, and not promoted on the way.
		const invitee = await api(`/v1/chats/${chatId}/members/${carol.id}`, {
			method: "PATCH",
			headers: owner.auth,
			json: { role: "admin" },
		});
		expect(invitee.status).toBe(404);
		expect(await errorCode(invitee)).toBe("NOT_A_MEMBER");
		expect(await roles()).toEqual(before);
		const info = (await (await api(`/v1/chats/${chatId}`, { headers: owner.auth })).json()) as Chat;
		expect(info).toMatchObject({ owner_id: owner.id, role: "owner" });
	});

	it("only the owner deletes a group; then it is gone for everyone", async () => {
		const owner = await createTestUser();
		const bob = await createTestUser();
		const chatId = await activeGroup(owner, [bob]);
		await send(bob, chatId, "hello");
		const denied = await api(`/v1/chats/${chatId}`, { method: "DELETE", headers: bob.auth });
		expect(denied.status).toBe(403);
		expect((await api(`/v1/chats/${chatId}`, { method: "DELETE", headers: owner.auth })).status).toBe(200);
		expect((await api(`/v1/chats/${chatId}`, { headers: bob.auth })).status).toBe(404);
		expect((await api(`/v1/chats/${chatId}/messages`, { headers: owner.auth })).status).toBe(404);
	});

	it("mutes and unmutes", async () => {
		const a = await createTestUser();
		const b = await createTestUser();
		const chatId = await activeGroup(a, [b]);
		const m = await api(`/v1/chats/${chatId}/mute`, { method: "POST", headers: b.auth });
		expect(await m.json()).toEqual({ chat_id: chatId, muted: true });
		expect((await list(b)).find((c) => c.id === chatId)?.muted).toBe(true);
		await api(`/v1/chats/${chatId}/unmute`, { method: "POST", headers: b.auth });
		expect((await list(b)).find((c) => c.id === chatId)?.muted).toBe(false);
	});

	it("rejects bad input with VALIDATION_FAILED and stores nothing", async () => {
		const a = await createTestUser();
		for (const body of [
			{},
			{ name: "" },
			{ name: "x".repeat(101) },
			{ name: "ok", members: "bob" },
			{ name: "ok", extra: 1 },
		]) {
			const res = await api("/v1/chats", { method: "POST", headers: a.auth, json: body });
			expect(res.status).toBe(400);
			expect(await errorCode(res)).toBe("VALIDATION_FAILED");
		}
		const unknown = await api("/v1/chats", {
			method: "POST",
			headers: a.auth,
			json: { name: "ok", members: ["nobody-here"] },
		});
		expect(unknown.status).toBe(404);
		expect(await list(a)).toHaveLength(0);
	});

	it("a stranger learns nothing about a chat and cannot change it", async () => {
		const a = await createTestUser();
		const b = await createTestUser();
		const eve = await createTestUser();
		const chatId = await activeGroup(a, [b]);
		for (const [method, path, json] of [
			["GET", `/v1/chats/${chatId}`, undefined],
			["PATCH", `/v1/chats/${chatId}`, { name: "pwned" }],
			["DELETE", `/v1/chats/${chatId}`, undefined],
			["POST", `/v1/chats/${chatId}/invitations`, { user: eve.id }],
			["POST", `/v1/chats/${chatId}/accept`, undefined],
			["POST", `/v1/chats/${chatId}/leave`, undefined],
			["POST", `/v1/chats/${chatId}/mute`, undefined],
			["DELETE", `/v1/chats/${chatId}/members/${b.id}`, undefined],
		] as const) {
			const res = await api(path, { method, headers: eve.auth, json });
			expect(res.status, `${method} ${path}`).toBe(404);
		}
		expect((await api("/v1/chats", {})).status).toBe(401);
		const info = (await (await api(`/v1/chats/${chatId}`, { headers: a.auth })).json()) as Chat;
		expect(info.members?.map((m) => m.user_id).sort()).toEqual([a.id, b.id].sort());
	});
});

describe("direct chats", () => {
	it("exactly one direct chat per pair, found by id or username, from either side", async () => {
		const uname = `dana${crypto.randomUUID().slice(0, 6)}`;
		const a = await createTestUser();
		const d = await createTestUser({ username: uname });
		const first = await openDirect(a, d);
		expect(first.created).toBe(true);
		const again = await openDirect(a, uname);
		expect(again).toMatchObject({ created: false, chat: { id: first.chat.id } });
		const other = await openDirect(d, a);
		expect(other.chat.id).toBe(first.chat.id);
		const both = await Promise.all([openDirect(a, await createTestUser()), openDirect(a, d)]);
		expect(both[1].chat.id).toBe(first.chat.id);
		const info = (await (await api(`/v1/chats/${first.chat.id}`, { headers: a.auth })).json()) as Chat & {
			peer: { id: string };
		};
		expect(info).toMatchObject({ kind: "direct", peer: { id: d.id } });
	});

	it("racing creations still end in one chat", async () => {
		const a = await createTestUser();
		const b = await createTestUser();
		const results = await Promise.all([openDirect(a, b), openDirect(b, a), openDirect(a, b)]);
		expect(new Set(results.map((r) => r.chat.id)).size).toBe(1);
	});

	it("refuses a chat with yourself or an unknown user, and group-only actions", async () => {
		const a = await createTestUser();
		const b = await createTestUser();
		const self = await api("/v1/chats/direct", { method: "POST", headers: a.auth, json: { user: a.id } });
		expect(self.status).toBe(400);
		const ghost = await api("/v1/chats/direct", { method: "POST", headers: a.auth, json: { user: "ghost" } });
		expect(await errorCode(ghost)).toBe("USER_NOT_FOUND");
		const { chat } = await openDirect(a, b);
		const inv = await api(`/v1/chats/${chat.id}/invitations`, {
			method: "POST",
			headers: a.auth,
			json: { user: (await createTestUser()).id },
		});
		expect(await errorCode(inv)).toBe("DIRECT_CHAT");
		const leave = await api(`/v1/chats/${chat.id}/leave`, { method: "POST", headers: a.auth });
		expect(leave.status).toBe(409);
	});
});
