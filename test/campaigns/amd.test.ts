/**
 * Answering-machine detection as a campaign option: `amd` is validated and
 * stored (a machine's other sound must be the owner's own), reaches the dialer
 * with each call (the other sound as a dialer sound URL), and the dialer's
 * verdict (`amd`, `amd_ms` on the final event) lands in the CDR and its CSV.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ensureEngineSchema } from "../../src/domain/campaigns/engine-store";
import { api, errorCode } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { callEvents, makeList, makeSound, makeTrunk, sendEvents, useFakeDialer } from "./helpers";

const dialer = useFakeDialer();

const NUMBER = "+14155550111";

async function draft(user: TestUser, amd: unknown) {
	const [trunk, sound, list] = [await makeTrunk(user), await makeSound(user), await makeList(user, [NUMBER])];
	return api("/v1/campaigns", {
		method: "POST",
		headers: user.auth,
		json: {
			name: "AMD",
			trunk_id: trunk.id,
			sound_id: sound.id,
			list_id: list.id,
			calls_per_second: 10,
			amd,
		},
	});
}

/** Run the campaign's alarms until the dialer has its call (bounded). */
async function firstDial(id: string) {
	const stub = env.CAMPAIGN.get(env.CAMPAIGN.idFromName(id));
	for (let i = 0; i < 20 && dialer().calls.length === 0; i++) {
		await runInDurableObject(stub, async (_o, state) => {
			if ((await state.storage.getAlarm()) === null) await state.storage.setAlarm(Date.now());
		});
		await runDurableObjectAlarm(stub);
	}
	const call = dialer().calls[0];
	if (!call) throw new Error("the campaign never dialed");
	return call;
}

describe("campaign amd option", () => {
	it("is stored and shown, and off (null) by default", async () => {
		const user = await createTestUser();
		const machineSound = await makeSound(user);
		const res = await draft(user, { on_machine: "play_other", machine_sound_id: machineSound.id });
		expect(res.status).toBe(201);
		const c = await res.json<{ id: string; amd: unknown }>();
		expect(c.amd).toEqual({ on_machine: "play_other", machine_sound_id: machineSound.id });
		const off = await (await draft(user, undefined)).json<{ amd: unknown }>();
		expect(off.amd).toBeNull();
		const patched = await api(`/v1/campaigns/${c.id}`, {
			method: "PATCH",
			headers: user.auth,
			json: { amd: { on_machine: "hangup" } },
		});
		expect((await patched.json<{ amd: unknown }>()).amd).toEqual({ on_machine: "hangup" });
	});

	it("refuses a bad option with VALIDATION_FAILED and stores nothing", async () => {
		const user = await createTestUser();
		for (const amd of [
			{ on_machine: "voicemail" },
			{ on_machine: "play_other" },
			{ on_machine: "hangup", machine_sound_id: "x" },
			{ on_machine: "play", extra: 1 },
			"hangup",
		])
			expect(await errorCode(await draft(user, amd)), JSON.stringify(amd)).toBe("VALIDATION_FAILED");
		const list = await (await api("/v1/campaigns", { headers: user.auth })).json<{ items: unknown[] }>();
		expect(list.items).toHaveLength(0);
	});

	it("will not play someone else's sound to a machine: their sound id is not found", async () => {
		const owner = await createTestUser();
		const stranger = await createTestUser();
		const theirs = await makeSound(stranger);
		const res = await draft(owner, { on_machine: "play_other", machine_sound_id: theirs.id });
		expect(res.status).toBe(404);
		expect(await errorCode(res)).toBe("NOT_FOUND");
		const mine = await (await draft(owner, { on_machine: "hangup" })).json<{ id: string }>();
		const patch = await api(`/v1/campaigns/${mine.id}`, {
			method: "PATCH",
			headers: owner.auth,
			json: { amd: { on_machine: "play_other", machine_sound_id: theirs.id } },
		});
		expect(patch.status).toBe(404);
		const after = await (await api(`/v1/campaigns/${mine.id}`, { headers: owner.auth })).json<{
			amd: unknown;
		}>();
		expect(after.amd).toEqual({ on_machine: "hangup" });
	});

	it("reaches the dialer with each call, and the verdict lands in the CDR and its CSV", async () => {
		const user = await createTestUser();
		const machineSound = await makeSound(user);
		const c = await (
			await draft(user, { on_machine: "play_other", machine_sound_id: machineSound.id })
		).json<{
			id: string;
		}>();
		expect((await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth })).status).toBe(
			200,
		);
		const call = await firstDial(c.id);
		expect(call.amd).toEqual({
			on_machine: "play_other",
			machine_audio: { url: expect.stringMatching(new RegExp(`/v1/dialer/sounds/${machineSound.id}`)) },
		});
		const evs = callEvents(call.call_id, "completed", {
			amd: "machine",
			amd_ms: 2140,
			reason: "audio finished",
		});
		expect((await sendEvents(evs)).status).toBe(200);
		const cdrs = await (await api(`/v1/campaigns/${c.id}/calls`, { headers: user.auth })).json<{
			items: Record<string, unknown>[];
		}>();
		expect(cdrs.items[0]).toMatchObject({ outcome: "completed", amd: "machine", amd_ms: 2140 });
		const lines = (await (await api(`/v1/campaigns/${c.id}/calls.csv`, { headers: user.auth })).text())
			.trim()
			.split("\r\n");
		expect(lines[0]).toMatch(/,amd,amd_ms$/);
		expect(lines[1]).toMatch(/,machine,2140$/);
	});

	it("a Campaign object stored before the amd columns gets them at start-up", async () => {
		const stub = env.CAMPAIGN.get(env.CAMPAIGN.idFromName("amd-old-store"));
		await runInDurableObject(stub, async (_o, state) => {
			const sql = state.storage.sql;
			const columns = () =>
				sql
					.exec<{ name: string }>("PRAGMA table_info(calls)")
					.toArray()
					.map((c) => c.name);
			// The store as it was: no amd columns.
			sql.exec("ALTER TABLE calls DROP COLUMN amd_ms");
			sql.exec("ALTER TABLE calls DROP COLUMN amd");
			expect(columns()).not.toContain("amd");
			ensureEngineSchema(sql);
			expect(columns()).toEqual(expect.arrayContaining(["amd", "amd_ms", "dtmf"]));
			// Twice is harmless.
			ensureEngineSchema(sql);
		});
	});

	it("refuses an event whose amd is not human, machine or unknown", async () => {
		const evs = callEvents("nobody:1:1", "completed", { amd: "fax" });
		expect((await sendEvents(evs)).status).toBe(400);
	});
});
