/**
 * The campaign's rate travels with every dial: the dialer holds each first
 * INVITE to `calls_per_second` per campaign at the wire (dialer/src/call/dial-pacer.ts).
 */

import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { CallRequest } from "@hatch/contract/dialer";
import { describe, expect, it } from "vitest";
import { api } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { makeList, makeSound, makeTrunk, useFakeDialer } from "./helpers";

const dialer = useFakeDialer();

describe("dial rate", () => {
	it("each call carries the campaign id and its calls_per_second, in a body the dialer's schema accepts", async () => {
		const user = await createTestUser();
		const [trunk, sound, list] = [
			await makeTrunk(user),
			await makeSound(user),
			await makeList(user, ["+14155550112"]),
		];
		const c = await (
			await api("/v1/campaigns", {
				method: "POST",
				headers: user.auth,
				json: {
					name: "rate",
					trunk_id: trunk.id,
					sound_id: sound.id,
					list_id: list.id,
					calls_per_second: 2.5,
				},
			})
		).json<{ id: string }>();
		expect((await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth })).status).toBe(
			200,
		);
		const stub = env.CAMPAIGN.get(env.CAMPAIGN.idFromName(c.id));
		for (let i = 0; i < 20 && dialer().calls.length === 0; i++) {
			await runInDurableObject(stub, async (_o, state) => {
				if ((await state.storage.getAlarm()) === null) await state.storage.setAlarm(Date.now());
			});
			await runDurableObjectAlarm(stub);
		}
		const call = dialer().calls[0];
		expect(call?.rate).toEqual({ key: c.id, calls_per_second: 2.5 });
		expect(CallRequest.safeParse({ ...call, host_deny: env.SIP_HOST_DENY }).success).toBe(true);
	});
});
