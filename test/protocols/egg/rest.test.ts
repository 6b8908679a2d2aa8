import { env } from "cloudflare:test";
import { decode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { createDb } from "../../../src/db/client";
import { findUserByPhone } from "../../../src/domain/users/users";
import { api } from "../../helpers/http";
import { createTestUser } from "../../helpers/users";
import { egg, eggUser, freshMsisdn, sessionOf } from "./helpers";

// The seed's own example bodies (seeds/000, "Регистрация", "Сессии, авторизация").
const SEED_USER = {
	msisdn: 8800000000,
	group: "administrators",
	pwd_hash: "A865A7E0DDBF35FA6F6A232E0893BEA4",
	fname: "Joe",
	lname: "Armstrong",
	age: 70,
	is_male: true,
	access_level: 0,
};

describe("Egg REST: registration and auth, the seed's examples", () => {
	it("v1 register: 403 for administrators without an admin session, 201 with one, 409 again; v1 auth raw, json, msgpack", async () => {
		expect((await egg("/v1/register", SEED_USER)).status).toBe(403);
		expect(await findUserByPhone(createDb(env.DB), "+78800000000")).toBeUndefined();
		const admin = await createTestUser({ role: "admin" });
		const sid = await sessionOf(admin);
		const created = await egg(`/v1/session/${sid}/register`, SEED_USER);
		expect(created.status).toBe(201);
		const row = await findUserByPhone(createDb(env.DB), "+78800000000");
		expect(row).toMatchObject({
			firstName: "Joe",
			lastName: "Armstrong",
			age: 70,
			gender: "male",
			role: "admin",
		});
		expect((await egg(`/v1/session/${sid}/register`, SEED_USER)).status).toBe(409);

		const login = { msisdn: 8800000000, password: "A865A7E0DDBF35FA6F6A232E0893BEA4" };
		const raw = await egg("/v1/auth", login);
		expect(raw.status).toBe(200);
		const rawId = await raw.text();
		expect(rawId).toMatch(/^[\w-]+\.[\w-]+$/);
		const json = await egg("/v1/auth/json", login);
		expect(json.status).toBe(200);
		expect(typeof (await json.json())).toBe("string");
		const mp = await egg("/v1/auth/msgpack", login);
		expect(mp.headers.get("Content-Type")).toBe("application/msgpack");
		expect(typeof decode(new Uint8Array(await mp.arrayBuffer()))).toBe("string");
		// The session id opens /session/$SESSION_ID/… modules.
		const up = await uploadFile(rawId, "hello egg");
		expect(up.status).toBe(201);
	});

	it("v1 auth: 400 without fields, 401 on a wrong pair, 404 on an unknown packing suffix", async () => {
		expect((await egg("/v1/auth", { msisdn: 8800000001 })).status).toBe(400);
		expect((await egg("/v1/auth", { msisdn: 79161112233, password: "nope" })).status).toBe(401);
		expect((await egg("/v1/auth/xml", { msisdn: 79161112233, password: "x" })).status).toBe(404);
		const bad = await api("/compat/egg/v1/auth", { method: "POST", body: "{not json" });
		expect(bad.status).toBe(400);
	});

	it("v2: sms then auth with code 6666; 428 without a code sent; 403 on a wrong code", async () => {
		const msisdn = freshMsisdn();
		const body = { ...SEED_USER, msisdn, group: "users" };
		expect((await egg("/v2/register", { ...body, code: 6666 })).status).toBe(428);
		expect((await egg("/v1/sms", { msisdn })).status).toBe(200);
		expect((await egg("/v2/register", { ...body, code: 1234 })).status).toBe(403);
		expect((await egg("/v2/register", { ...body, code: 6666 })).status).toBe(201);
		const login = { msisdn, password: SEED_USER.pwd_hash, code: 6666 };
		expect((await egg("/v2/auth", login)).status).toBe(428);
		expect((await egg("/v1/sms", { msisdn })).status).toBe(200);
		expect((await egg("/v2/auth", { ...login, password: "wrong" })).status).toBe(401);
		expect((await egg("/v2/auth", login)).status).toBe(200);
	});

	it("v3: register/json returns a session id; auth for an unknown number registers it with the profile fields", async () => {
		const { session } = await eggUser(undefined, { fname: "Ann" });
		expect(typeof session).toBe("string");
		const msisdn = freshMsisdn();
		await egg("/v3/sms", { msisdn });
		const res = await egg("/v3/auth/json", {
			msisdn,
			sms_code: 6666,
			fname: "Bob",
			lname: "B",
			age: 30,
			is_male: true,
		});
		expect(res.status).toBe(201);
		const sid = (await res.json()) as string;
		const row = await findUserByPhone(createDb(env.DB), `+${msisdn}`);
		expect(row).toMatchObject({ firstName: "Bob", lastName: "B", age: 30, gender: "male" });
		expect((await uploadFile(sid, "x")).status).toBe(201);
		// Known now: the same flow signs in (200), once a new code was sent.
		expect((await egg("/v3/auth", { msisdn, sms_code: 6666 })).status).toBe(428);
		expect((await egg("/v3/sms", { msisdn })).status).toBe(200);
		expect((await egg("/v3/auth", { msisdn, sms_code: 6666 })).status).toBe(200);
	});

	it("v3 register: only msisdn and sms_code are required; a missing sms_code is 400 and stores nothing", async () => {
		const msisdn = freshMsisdn();
		expect((await egg("/v3/register", { msisdn })).status).toBe(400);
		expect(await findUserByPhone(createDb(env.DB), `+${msisdn}`)).toBeUndefined();
	});
});

describe("Egg REST: the file module", () => {
	it("multipart upload → 201 + id, GET …/file/id returns it; no session, no access", async () => {
		const { session } = await eggUser();
		const up = await uploadFile(session, "file body");
		expect(up.status).toBe(201);
		const id = await up.text();
		const got = await api(`/compat/egg/v1/session/${session}/file/${id}`);
		expect(got.status).toBe(200);
		expect(await got.text()).toBe("file body");
		expect((await api(`/compat/egg/v1/session/forged.AAAA/file/${id}`)).status).toBe(401);
		const other = await eggUser();
		expect((await api(`/compat/egg/v1/session/${other.session}/file/${id}`)).status).toBe(404);
	});
});

function uploadFile(session: string, text: string) {
	const form = new FormData();
	form.append("file", new File([text], "note.txt", { type: "text/plain" }));
	return api(`/compat/egg/v1/session/${session}/file`, { method: "POST", body: form });
}

describe("Egg test mode", () => {
	it("code 6666 is only a test code in development configuration", async () => {
		const { requestSmsCode } = await import("../../../src/domain/auth/phone");
		const { verifySmsCodeOrTestCode } = await import("../../../src/domain/auth/sms-test-mode");
		const db = createDb(env.DB);
		const phone = `+${freshMsisdn()}`;
		const sms = { send: async () => undefined };
		await requestSmsCode({ db, sms, pepper: env.JWT_SECRET }, phone);
		await expect(
			verifySmsCodeOrTestCode({ db, pepper: env.JWT_SECRET }, "production", phone, "6666"),
		).rejects.toMatchObject({ code: "INVALID_SMS_CODE", status: 403 });
		await verifySmsCodeOrTestCode({ db, pepper: env.JWT_SECRET }, "development", phone, "6666");
	});
});
