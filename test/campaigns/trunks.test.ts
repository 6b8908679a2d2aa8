import { env } from "cloudflare:test";
import { DEFAULT_HOST_DENY, isHostDenied } from "@hatch/shared/host-policy";
import { describe, expect, it } from "vitest";
import { decryptSecret } from "../../src/domain/secrets/crypto";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { makeSound, makeTrunk, sendEvents, useFakeDialer } from "./helpers";

const dialer = useFakeDialer();

describe("SIP trunks", () => {
	it("stores the password encrypted, never returns it, and lists only your own", async () => {
		const alice = await createTestUser();
		const res = await api("/v1/sip-trunks", {
			method: "POST",
			headers: alice.auth,
			json: {
				name: "Carrier",
				host: "sip.example.com",
				transport: "tcp",
				username: "acme",
				password: "pa55-word",
				caller_id: "+14155550000",
				codecs: ["PCMA"],
			},
		});
		expect(res.status).toBe(201);
		const body = await res.json<Record<string, unknown>>();
		expect(body).toMatchObject({
			host: "sip.example.com",
			port: 5060,
			transport: "tcp",
			has_password: true,
			codecs: ["PCMA"],
		});
		expect(JSON.stringify(body)).not.toContain("pa55-word");
		const row = await env.DB.prepare("SELECT password_enc FROM sip_trunks WHERE id = ?")
			.bind(body.id)
			.first<{ password_enc: string }>();
		expect(row?.password_enc).toMatch(/^v1\./);
		expect(row?.password_enc).not.toContain("pa55");
		expect(await decryptSecret(env.SECRETS_KEY, row?.password_enc ?? "")).toBe("pa55-word");

		const patched = await api(`/v1/sip-trunks/${body.id}`, {
			method: "PATCH",
			headers: alice.auth,
			json: { port: 5080, password: null },
		});
		expect(await patched.json()).toMatchObject({ port: 5080, has_password: false });
		const list = await (await api("/v1/sip-trunks", { headers: alice.auth })).json<{
			items: { id: string }[];
		}>();
		expect(list.items.map((t) => t.id)).toEqual([body.id]);
		expect((await api(`/v1/sip-trunks/${body.id}`, { method: "DELETE", headers: alice.auth })).status).toBe(
			204,
		);
		expect((await api(`/v1/sip-trunks/${body.id}`, { headers: alice.auth })).status).toBe(404);
	});

	it("rejects bad input and internal gateway hosts", async () => {
		const u = await createTestUser();
		const post = (json: Record<string, unknown>) =>
			api("/v1/sip-trunks", { method: "POST", headers: u.auth, json: { name: "x", ...json } });
		expect(await errorCode(await post({}))).toBe("VALIDATION_FAILED");
		expect(await errorCode(await post({ host: "sip.example.com", port: 70000 }))).toBe("VALIDATION_FAILED");
		expect(await errorCode(await post({ host: "bad host!" }))).toBe("SIP_HOST_INVALID");
		expect(await errorCode(await post({ host: "sip.example.com", transport: "sctp" }))).toBe(
			"VALIDATION_FAILED",
		);
		expect(await errorCode(await post({ host: "sip.example.com", codecs: ["G729"] }))).toBe(
			"VALIDATION_FAILED",
		);
		expect(await errorCode(await post({ host: "sip.example.com", extra: 1 }))).toBe("VALIDATION_FAILED");
		for (const host of [
			"10.0.0.5",
			"192.168.1.1",
			"172.20.0.1",
			"169.254.169.254",
			"100.64.0.1",
			"224.0.0.1",
			"0.0.0.0",
			"fe80::1",
			"fd00::1",
			"::ffff:10.0.0.1",
		]) {
			const res = await post({ host });
			expect(res.status, host).toBe(422);
			expect(await errorCode(res)).toBe("SIP_HOST_DENIED");
		}
		const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM sip_trunks WHERE owner_id = ?")
			.bind(u.id)
			.first<{ n: number }>();
		expect(count?.n).toBe(0);
		expect(
			(await api("/v1/sip-trunks", { method: "POST", json: { name: "x", host: "sip.example.com" } })).status,
		).toBe(401);
	});

	it("production deny list blocks loopback, localhost and IPv6 equivalents; tests leave loopback open for sipp", () => {
		for (const h of [
			"127.0.0.1",
			"localhost",
			"sip.localhost",
			"::1",
			"[::1]",
			"10.1.2.3",
			"fe80::abcd",
			"ff02::1",
			"100.127.255.255",
		]) {
			expect(isHostDenied(h, DEFAULT_HOST_DENY), h).not.toBeNull();
		}
		for (const h of ["8.8.8.8", "sip.example.com", "2001:4860:4860::8888", "100.128.0.1", "172.32.0.1"]) {
			expect(isHostDenied(h, DEFAULT_HOST_DENY), h).toBeNull();
		}
		expect(isHostDenied("127.0.0.1", env.SIP_HOST_DENY)).toBeNull();
		expect(isHostDenied("203.0.113.9", "203.0.113.0/24")).toBe("203.0.113.0/24");
	});

	it("test-call dials one number with the decrypted trunk and records its progress", async () => {
		const u = await createTestUser();
		const trunk = await makeTrunk(u);
		const sound = await makeSound(u);
		const res = await api(`/v1/sip-trunks/${trunk.id}/test-call`, {
			method: "POST",
			headers: u.auth,
			json: { to: "(415) 555-0100", sound_id: sound.id },
		});
		expect(res.status).toBe(202);
		const { call_id } = await res.json<{ call_id: string }>();
		expect(dialer().calls[0]).toMatchObject({
			call_id,
			to: "+14155550100",
			trunk: { host: "127.0.0.1", port: 5070, username: "acme", password: "s3cret-pass" },
		});
		const at = new Date().toISOString();
		await sendEvents([
			{ call_id, seq: 1, type: "ringing", at },
			{ call_id, seq: 2, type: "answered", at },
			{ call_id, seq: 3, type: "dtmf", at, digit: "5" },
			{ call_id, seq: 4, type: "completed", at, billed_s: 4, sip_code: 200 },
			{ call_id, seq: 2, type: "answered", at },
		]);
		const t = await (await api(`/v1/sip-trunks/${trunk.id}`, { headers: u.auth })).json<{
			last_test: Record<string, unknown>;
		}>();
		expect(t.last_test).toMatchObject({ call_id, state: "completed", billed_s: 4, dtmf: "5", seq: 4 });
		const bad = await api(`/v1/sip-trunks/${trunk.id}/test-call`, {
			method: "POST",
			headers: u.auth,
			json: { to: "12", sound_id: sound.id },
		});
		expect(await errorCode(bad)).toBe("VALIDATION_FAILED");
		const invalid = await api(`/v1/sip-trunks/${trunk.id}/test-call`, {
			method: "POST",
			headers: u.auth,
			json: { to: "+1 000 000", sound_id: sound.id },
		});
		expect(await errorCode(invalid)).toBe("INVALID_NUMBER");
		dialer().answer = () => ({ ok: false, code: "AT_CAPACITY", status: 503, message: "full" });
		const busy = await api(`/v1/sip-trunks/${trunk.id}/test-call`, {
			method: "POST",
			headers: u.auth,
			json: { to: "+14155550100", sound_id: sound.id },
		});
		expect(busy.status).toBe(503);
		expect(await errorCode(busy)).toBe("DIALER_BUSY");
	});

	it("last_test shows each state with its own code and reason: an answered call is not still 'Ringing'", async () => {
		const u = await createTestUser();
		const trunk = await makeTrunk(u);
		const sound = await makeSound(u);
		const res = await api(`/v1/sip-trunks/${trunk.id}/test-call`, {
			method: "POST",
			headers: u.auth,
			json: { to: "+14155550100", sound_id: sound.id },
		});
		const { call_id } = await res.json<{ call_id: string }>();
		const at = new Date().toISOString();
		const lastTest = async () =>
			(await (await api(`/v1/sip-trunks/${trunk.id}`, { headers: u.auth })).json<{ last_test: object }>())
				.last_test;
		await sendEvents([
			{ call_id, seq: 1, type: "trying", at },
			{ call_id, seq: 2, type: "ringing", at, sip_code: 180, reason: "Ringing" },
		]);
		expect(await lastTest()).toMatchObject({ state: "ringing", sip_code: 180, reason: "Ringing" });
		await sendEvents([{ call_id, seq: 3, type: "answered", at, sip_code: 200, ring_ms: 900 }]);
		const answered = await lastTest();
		expect(answered).toMatchObject({ state: "answered", sip_code: 200, ring_ms: 900 });
		expect(answered).not.toHaveProperty("reason");
		await sendEvents([{ call_id, seq: 4, type: "completed", at, reason: "audio finished", talk_ms: 3000 }]);
		expect(await lastTest()).toMatchObject({ state: "completed", reason: "audio finished", talk_ms: 3000 });
	});

	it("another user can neither see nor touch your trunk, nor dial with it", async () => {
		const alice = await createTestUser();
		const mallory = await createTestUser();
		const trunk = await makeTrunk(alice);
		const msound = await makeSound(mallory);
		const asound = await makeSound(alice);
		expect((await api(`/v1/sip-trunks/${trunk.id}`, { headers: mallory.auth })).status).toBe(404);
		expect(
			(
				await api(`/v1/sip-trunks/${trunk.id}`, {
					method: "PATCH",
					headers: mallory.auth,
					json: { host: "evil.example.com" },
				})
			).status,
		).toBe(404);
		expect(
			(await api(`/v1/sip-trunks/${trunk.id}`, { method: "DELETE", headers: mallory.auth })).status,
		).toBe(404);
		expect(
			(
				await api(`/v1/sip-trunks/${trunk.id}/test-call`, {
					method: "POST",
					headers: mallory.auth,
					json: { to: "+14155550100", sound_id: msound.id },
				})
			).status,
		).toBe(404);
		// Nor use someone else's sound through their own trunk.
		const own = await makeTrunk(mallory);
		expect(
			(
				await api(`/v1/sip-trunks/${own.id}/test-call`, {
					method: "POST",
					headers: mallory.auth,
					json: { to: "+14155550100", sound_id: asound.id },
				})
			).status,
		).toBe(404);
		expect(
			(await (await api("/v1/sip-trunks", { headers: mallory.auth })).json<{ items: unknown[] }>()).items,
		).toHaveLength(1);
		expect(dialer().calls).toHaveLength(0);
		expect((await api(`/v1/sip-trunks/${trunk.id}`, { headers: alice.auth })).status).toBe(200);
	});
});
