import { env } from "cloudflare:test";
import { decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url } from "../../src/lib/ids";
import { consoleOutbox } from "../../src/providers/push/console";
import { fcmPush } from "../../src/providers/push/fcm";
import { sendPushToUser } from "../../src/providers/push/index";
import { webPush } from "../../src/providers/push/webpush";
import { encryptPayload, importP256Private } from "../../src/providers/push/webpush-crypto";
import { api } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { newP256 } from "./helpers";

// RFC 8291 §5 and Appendix A.
const RFC = {
	plaintext: "When I grow up, I want to be a watermelon",
	asPublic: "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
	asPrivate: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
	uaPublic: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
	auth: "BTBZMqHH6r4Tts7J_aSIgg",
	salt: "DGv6ra1nlYgDCS1FRnbzlw",
	body: "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};

describe("Web Push (RFC 8291 + RFC 8292)", () => {
	it("reproduces the RFC 8291 example message byte for byte", async () => {
		const privateKey = await importP256Private(RFC.asPrivate, RFC.asPublic, "ECDH");
		const body = await encryptPayload(new TextEncoder().encode(RFC.plaintext), RFC.uaPublic, RFC.auth, {
			salt: fromBase64Url(RFC.salt),
			senderKeys: { publicKey: fromBase64Url(RFC.asPublic), privateKey },
		});
		expect(toBase64Url(body)).toBe(RFC.body);
	});

	it("refuses malformed subscription keys", async () => {
		await expect(encryptPayload(new Uint8Array([1]), "AAAA", RFC.auth)).rejects.toThrow();
		await expect(encryptPayload(new Uint8Array([1]), RFC.uaPublic, "AAAA")).rejects.toThrow();
	});

	it("posts an aes128gcm body with a VAPID ES256 JWT for the endpoint's origin; 410 means gone", async () => {
		const vapid = await newP256();
		const requests: Request[] = [];
		let status = 201;
		const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
			requests.push(new Request(input, init));
			return new Response(null, { status });
		}) as typeof fetch;
		const provider = webPush(
			{ VAPID_PUBLIC_KEY: vapid.pub, VAPID_PRIVATE_KEY: vapid.d, VAPID_SUBJECT: "mailto:ops@hatch.test" },
			fetcher,
			async () => ["203.0.113.9"],
		);
		const device = {
			device_id: "browser",
			type: "webpush" as const,
			push_token: JSON.stringify({
				endpoint: "https://push.example.net/send/abc",
				keys: { p256dh: RFC.uaPublic, auth: RFC.auth },
			}),
		};
		expect(await provider.send(device, { title: "Hi", body: "there", data: { chat_id: "c" } })).toBe("sent");
		const req = requests[0] as Request;
		expect(req.url).toBe("https://push.example.net/send/abc");
		expect(req.headers.get("Content-Encoding")).toBe("aes128gcm");
		expect(req.headers.get("TTL")).toBe("86400");
		const m = /^vapid t=([^,]+), k=(.+)$/.exec(req.headers.get("Authorization") ?? "");
		expect(m?.[2]).toBe(vapid.pub);
		expect(decodeProtectedHeader(m?.[1] ?? "")).toMatchObject({ alg: "ES256", typ: "JWT" });
		const { x, y, crv, kty } = vapid.jwk;
		const { payload } = await jwtVerify(m?.[1] ?? "", await importJWK({ x, y, crv, kty }, "ES256"), {
			audience: "https://push.example.net",
		});
		expect(payload.sub).toBe("mailto:ops@hatch.test");
		expect((payload.exp ?? 0) - Date.now() / 1000).toBeLessThanOrEqual(24 * 3600);
		const body = new Uint8Array(await req.arrayBuffer());
		expect(body[20]).toBe(65); // RFC 8188 header: idlen = sender public key length
		status = 410;
		expect(await provider.send(device, { title: "Hi", body: "again", data: {} })).toBe("gone");
		expect(
			await provider.send({ ...device, push_token: "not json" }, { title: "x", body: "y", data: {} }),
		).toBe("gone");
	});
});

describe("FCM HTTP v1", () => {
	it("exchanges a service-account JWT for a token and sends to projects/*/messages:send", async () => {
		const pair = (await crypto.subtle.generateKey(
			{
				name: "RSASSA-PKCS1-v1_5",
				modulusLength: 2048,
				publicExponent: new Uint8Array([1, 0, 1]),
				hash: "SHA-256",
			},
			true,
			["sign", "verify"],
		)) as CryptoKeyPair;
		const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
		let b64 = "";
		for (const b of pkcs8) b64 += String.fromCharCode(b);
		const pem = `-----BEGIN PRIVATE KEY-----\n${btoa(b64)}\n-----END PRIVATE KEY-----\n`;
		const calls: { url: string; body: string; auth: string | null }[] = [];
		const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
			const req = new Request(input, init);
			calls.push({ url: req.url, body: await req.text(), auth: req.headers.get("Authorization") });
			if (req.url.includes("oauth2")) return Response.json({ access_token: "ya29.test", expires_in: 3600 });
			return Response.json({ name: "projects/p/messages/1" });
		}) as typeof fetch;
		const sa = {
			project_id: "hatch-test",
			client_email: "push@hatch-test.iam.gserviceaccount.com",
			private_key: pem,
		};
		const provider = fcmPush({ FCM_SERVICE_ACCOUNT: JSON.stringify(sa) }, fetcher);
		expect(
			await provider.send(
				{ device_id: "phone", type: "fcm", push_token: "tok" },
				{ title: "T", body: "B", data: { k: "v" } },
			),
		).toBe("sent");
		expect(calls[0]?.url).toBe("https://oauth2.googleapis.com/token");
		expect(calls[0]?.body).toContain("grant-type%3Ajwt-bearer");
		expect(calls[1]?.url).toBe("https://fcm.googleapis.com/v1/projects/hatch-test/messages:send");
		expect(calls[1]?.auth).toBe("Bearer ya29.test");
		expect(JSON.parse(calls[1]?.body ?? "{}")).toMatchObject({
			message: { token: "tok", notification: { title: "T", body: "B" }, data: { k: "v" } },
		});
	});
});

describe("devices and sendPushToUser", () => {
	it("registers, lists, replaces and unregisters devices; validates input; pushes to each", async () => {
		const u = await createTestUser();
		const other = await createTestUser();
		const sub = JSON.stringify({
			endpoint: "https://push.example.net/x",
			keys: { p256dh: RFC.uaPublic, auth: RFC.auth },
		});
		// The second "phone" registration replaces the first token.
		for (const json of [
			{ push_token: sub, type: "webpush", device_id: "laptop" },
			{ push_token: "t1", type: "fcm", device_id: "phone" },
			{ push_token: "t2", type: "fcm", device_id: "phone" },
		]) {
			expect((await api("/v1/devices", { method: "POST", headers: u.auth, json })).status).toBe(200);
		}
		for (const json of [
			{ push_token: "x", type: "apns", device_id: "d" },
			{ push_token: "", type: "fcm", device_id: "d" },
			{ push_token: "not a subscription", type: "webpush", device_id: "d" },
			{ type: "fcm", device_id: "d" },
		]) {
			expect((await api("/v1/devices", { method: "POST", headers: u.auth, json })).status).toBe(400);
		}
		const list = (await (await api("/v1/devices", { headers: u.auth })).json()) as {
			devices: { device_id: string }[];
		};
		expect(list.devices.map((d) => d.device_id).sort()).toEqual(["laptop", "phone"]);
		expect(JSON.stringify(list)).not.toContain("t2");
		expect((await (await api("/v1/devices", { headers: other.auth })).json()) as unknown).toEqual({
			devices: [],
		});
		const r = await sendPushToUser(env, u.id, {
			title: "Incoming call",
			body: "Alice",
			data: { call_id: "c1" },
		});
		expect(r).toEqual({ sent: 2, failed: 0 });
		expect(
			consoleOutbox
				.filter((p) => p.userId === u.id)
				.map((p) => p.device.push_token)
				.sort(),
		).toEqual([sub, "t2"].sort());
		// Another user cannot remove my device.
		expect(await (await api("/v1/devices/phone", { method: "DELETE", headers: other.auth })).json()).toEqual({
			device_id: "phone",
			removed: false,
		});
		expect(await (await api("/v1/devices/phone", { method: "DELETE", headers: u.auth })).json()).toEqual({
			device_id: "phone",
			removed: true,
		});
		expect((await api("/v1/devices", {})).status).toBe(401);
	});
});
