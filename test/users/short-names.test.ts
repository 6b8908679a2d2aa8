import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { freshIp, GOOD_PASSWORD, uniqueEmail } from "../auth/helpers";
import { makeTrunk, toneWav } from "../campaigns/helpers";
import { activeGroup } from "../chats/helpers";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";

/** NUL, C0, DEL, C1, a bidi override and an isolate, each inside an otherwise fine name. */
const UNSAFE = ["Ann\u0000", "Ann\u0007x", "Ann\u007f", "Ann\u0085", "Ann\u202Egpj.exe", "Ann\u2066x\u2069"];

async function refused(res: Response) {
	expect(res.status).toBe(422);
	expect(await errorCode(res)).toBe("UNSAFE_CHARACTERS");
}

describe("short names refuse control and bidi-override characters with 422 UNSAFE_CHARACTERS", () => {
	it("display, first and last names at sign-up and in PATCH /v1/me; nothing changes", async () => {
		const user = await createTestUser({ displayName: "Ann" });
		for (const bad of UNSAFE) {
			await refused(
				await api("/v1/auth/register", {
					method: "POST",
					headers: freshIp(),
					json: { email: uniqueEmail(), password: GOOD_PASSWORD, display_name: bad },
				}),
			);
			for (const field of ["display_name", "first_name", "last_name"])
				await refused(await api("/v1/me", { method: "PATCH", headers: user.auth, json: { [field]: bad } }));
		}
		const row = await env.DB.prepare("SELECT display_name, first_name FROM users WHERE id = ?")
			.bind(user.id)
			.first<{ display_name: string; first_name: string | null }>();
		expect(row).toEqual({ display_name: "Ann", first_name: null });
		// Right-to-left scripts, marks and emoji are names like any other.
		for (const good of ["שלום עולם", "مرحبا", "Zoë 👩🏽‍💻", "Ann\u200Fx"]) {
			const ok = await api("/v1/me", { method: "PATCH", headers: user.auth, json: { display_name: good } });
			expect(ok.status, good).toBe(200);
		}
	});

	it("chat names over REST and on the socket", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const chatId = await activeGroup(alice, [bob], "Fine");
		for (const bad of UNSAFE) {
			await refused(await api("/v1/chats", { method: "POST", headers: alice.auth, json: { name: bad } }));
			await refused(
				await api(`/v1/chats/${chatId}`, { method: "PATCH", headers: alice.auth, json: { name: bad } }),
			);
		}
		const ws = await WsClient.connect(alice);
		const err = await ws.call({ type: "chat.rename", chat_id: chatId, name: "x\u202Ey" });
		expect(err).toMatchObject({ type: "error", code: 422, reason: "UNSAFE_CHARACTERS" });
		ws.close();
		const info = (await (await api(`/v1/chats/${chatId}`, { headers: alice.auth })).json()) as {
			name: string;
		};
		expect(info.name).toBe("Fine");
	});

	it("sound, contact list, trunk and campaign names; a sound's file name is cleaned instead", async () => {
		const u = await createTestUser();
		const wav = { ...u.auth, "Content-Type": "audio/wav" };
		await refused(
			await api(`/v1/sounds?name=${encodeURIComponent("hi\u202Ethere")}`, {
				method: "POST",
				headers: wav,
				body: toneWav(1),
			}),
		);
		const form = new FormData();
		form.append("name", "hi\u0000there");
		form.append("file", new File([toneWav(1)], "a.wav", { type: "audio/wav" }));
		await refused(await api("/v1/sounds", { method: "POST", headers: u.auth, body: form }));
		const named = new FormData();
		named.append("file", new File([toneWav(1)], "greeting\u202Evaw.exe", { type: "audio/wav" }));
		const ok = await api("/v1/sounds", { method: "POST", headers: u.auth, body: named });
		expect(ok.status).toBe(201);
		expect(((await ok.json()) as { name: string }).name).toBe("greeting vaw.exe");
		await refused(
			await api(`/v1/contact-lists?name=${encodeURIComponent("l\u2067x")}`, {
				method: "POST",
				headers: { ...u.auth, "Content-Type": "text/csv" },
				body: "+14155550100\n",
			}),
		);
		// Contact files are data from elsewhere: their text is cleaned, never refused.
		const list = await api("/v1/contact-lists?name=people", {
			method: "POST",
			headers: { ...u.auth, "Content-Type": "text/csv" },
			body: 'number,name,comment,team\n+14155550100,"Ann\u202Egpj\u0000",hi\u0007there,\u2066red\u2069\n',
		});
		expect(list.status).toBe(201);
		const listId = ((await list.json()) as { id: string }).id;
		const contacts = (await (
			await api(`/v1/contact-lists/${listId}/contacts`, { headers: u.auth })
		).json()) as {
			items: { name: string; comment: string; fields: Record<string, string> }[];
		};
		expect(contacts.items[0]).toMatchObject({
			name: "Ann gpj",
			comment: "hi there",
			fields: { team: "red" },
		});
		await refused(
			await api("/v1/sip-trunks", {
				method: "POST",
				headers: u.auth,
				json: { name: "t\u0000", host: "sip.example.com", port: 5060 },
			}),
		);
		const trunk = await makeTrunk(u);
		await refused(
			await api("/v1/campaigns", {
				method: "POST",
				headers: u.auth,
				json: { name: "c\u202D", trunk_id: trunk.id, sound_id: "x", list_id: "y" },
			}),
		);
		const counts = await env.DB.prepare(
			"SELECT (SELECT COUNT(*) FROM sounds WHERE owner_id = ?1) AS s, (SELECT COUNT(*) FROM contact_lists WHERE owner_id = ?1) AS l, (SELECT COUNT(*) FROM campaigns WHERE owner_id = ?1) AS c",
		)
			.bind(u.id)
			.first<{ s: number; l: number; c: number }>();
		expect(counts).toEqual({ s: 1, l: 1, c: 0 });
	});
});
