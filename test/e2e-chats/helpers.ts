import { accept } from "../chats/helpers";
import { api } from "../helpers/http";
import type { TestUser } from "../helpers/users";

/** An e2e group with everyone active. */
export async function activeGroupE2e(owner: TestUser, others: TestUser[], name = "Secret") {
	const res = await api("/v1/chats", {
		method: "POST",
		headers: owner.auth,
		json: { name, members: others.map((u) => u.id), e2e: true },
	});
	if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
	const chat = (await res.json()) as { id: string; e2e: boolean };
	if (!chat.e2e) throw new Error("not e2e");
	for (const u of others) await accept(u, chat.id);
	return chat.id;
}
