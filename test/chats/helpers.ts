import { api } from "../helpers/http";
import type { TestUser } from "../helpers/users";

/** REST shortcuts for chat tests. */
export async function createGroup(owner: TestUser, name: string, members: string[] = []) {
	const res = await api("/v1/chats", { method: "POST", headers: owner.auth, json: { name, members } });
	if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
	return (await res.json()) as { id: string; members: { user_id: string; status: string }[] };
}

export async function accept(user: TestUser, chatId: string) {
	const res = await api(`/v1/chats/${chatId}/accept`, { method: "POST", headers: user.auth });
	if (res.status !== 200) throw new Error(`accept: ${res.status} ${await res.text()}`);
}

/** A group with everyone active. */
export async function activeGroup(owner: TestUser, others: TestUser[], name = "Group") {
	const chat = await createGroup(
		owner,
		name,
		others.map((u) => u.id),
	);
	for (const u of others) await accept(u, chat.id);
	return chat.id;
}

export async function openDirect(a: TestUser, b: TestUser | string) {
	const res = await api("/v1/chats/direct", {
		method: "POST",
		headers: a.auth,
		json: { user: typeof b === "string" ? b : b.id },
	});
	if (res.status !== 200) throw new Error(`direct: ${res.status} ${await res.text()}`);
	return (await res.json()) as { created: boolean; chat: { id: string } };
}

export type Msg = {
	id: string;
	seq: number;
	text: string;
	sender_id: string;
	deleted: boolean;
	edited_at: number | null;
};

export async function send(
	user: TestUser,
	chatId: string,
	text: string,
	extra: Record<string, unknown> = {},
) {
	const res = await api(`/v1/chats/${chatId}/messages`, {
		method: "POST",
		headers: user.auth,
		json: { client_id: crypto.randomUUID(), text, ...extra },
	});
	if (res.status !== 201 && res.status !== 200) throw new Error(`send: ${res.status} ${await res.text()}`);
	return ((await res.json()) as { message: Msg }).message;
}
