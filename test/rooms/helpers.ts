import { api } from "../helpers/http";
import type { TestUser } from "../helpers/users";

export type Room = {
	id: string;
	name: string;
	parent_id: string | null;
	root_id: string;
	chat_id: string;
	access: "manage" | "read";
	subrooms: { id: string; name: string }[];
	members: { user_id: string; role: string }[];
	chats: string[];
};

/** A JSON call as `user`: status, stable code on error, body. */
export async function call(user: TestUser, path: string, init: { method?: string; json?: unknown } = {}) {
	const res = await api(path, { ...init, headers: user.auth });
	const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
	const code = (body?.error as { code?: string } | undefined)?.code;
	return { status: res.status, code, body: body as Record<string, unknown> };
}

export async function makeRoom(
	user: TestUser,
	name: string,
	extra: { parent_id?: string; members?: string[] } = {},
) {
	const r = await call(user, "/v1/rooms", { method: "POST", json: { name, ...extra } });
	if (r.status !== 201) throw new Error(`room: ${r.status} ${JSON.stringify(r.body)}`);
	return r.body as unknown as Room;
}

/** What the owner sees of a room tree; a refused action must leave it as it was. */
export async function treeOf(owner: TestUser, roomId: string) {
	const tree = await call(owner, `/v1/rooms/${roomId}/tree`);
	const infos = [];
	for (const n of (tree.body.rooms as { id: string }[]) ?? [])
		infos.push((await call(owner, `/v1/rooms/${n.id}`)).body);
	return JSON.stringify({ tree: tree.body, infos });
}
