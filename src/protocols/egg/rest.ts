import type { Context } from "hono";
import { limit } from "../../domain/auth/limits";
import { requestSmsCode } from "../../domain/auth/phone";
import { authenticatePhonePassword } from "../../domain/auth/phone-login";
import { sessionKeyOf } from "../../domain/auth/session-key";
import { startSession } from "../../domain/auth/sessions";
import { verifySmsCodeOrTestCode } from "../../domain/auth/sms-test-mode";
import { findUserByPhone } from "../../domain/users/users";
import type { AppEnv, AuthContext } from "../../env";
import { ApiError } from "../../errors";
import { createRouter } from "../../lib/router";
import { createSmsProvider } from "../../providers/sms";
import { clientMeta } from "../../routes/auth-context";
import {
	AuthBody,
	checkRegistrable,
	type EggProfile,
	parseBody,
	RegisterBody,
	registerEggAccount,
	SmsBody,
} from "./accounts";
import { eggFileRoutes } from "./files";
import { phoneOfMsisdn } from "./msisdn";
import { type Packing, packed, packingOf } from "./packing";
import { sessionAuth } from "./session";

type Version = "v1" | "v2" | "v3";
type C = Context<AppEnv>;

async function jsonBody(c: C): Promise<unknown> {
	try {
		return await c.req.json();
	} catch {
		throw new ApiError("INVALID_JSON", "The body must be JSON");
	}
}

const phoneOf = (c: C, msisdn: string | number) => phoneOfMsisdn(msisdn, c.env.EGG_PHONE_REGION);

async function checkCode(c: C, phone: string, code: string) {
	await limit(c.env.RATE_LIMITER, "codeCheckIp", clientMeta(c).ip);
	await limit(c.env.RATE_LIMITER, "codeCheckPhone", phone);
	await verifySmsCodeOrTestCode({ db: c.var.db, pepper: c.env.JWT_SECRET }, c.env.ENVIRONMENT, phone, code);
}

/** Signs the user in and answers the seed's session id, packed as asked. */
async function signIn(
	c: C,
	user: { id: string; role: AuthContext["role"] },
	packing: Packing,
	status: number,
) {
	const issued = await startSession(c.var.db, c.env, user, clientMeta(c));
	return packed(await sessionKeyOf(c.env.JWT_SECRET, issued.sessionId), packing, status);
}

/**
 * The registration module. v1 creates the account (201); v2 needs the SMS
 * code first; v3 takes only msisdn + sms_code and signs the new user in,
 * answering the session id packed per suffix.
 */
async function register(c: C, v: Version, packing: Packing, by: AuthContext | null, body?: unknown) {
	if (v !== "v3" && packing !== "raw") throw new ApiError("NOT_FOUND", "Packing suffixes start with v3");
	const raw = body ?? (await jsonBody(c));
	await limit(c.env.RATE_LIMITER, "registerIp", clientMeta(c).ip);
	let profile: EggProfile;
	let phone: string;
	if (v === "v1") {
		const b = parseBody(RegisterBody.v1, raw);
		phone = phoneOf(c, b.msisdn);
		profile = b;
	} else if (v === "v2") {
		const b = parseBody(RegisterBody.v2, raw);
		phone = phoneOf(c, b.msisdn);
		// Refused before the code is used up, so a refusal changes nothing.
		await checkRegistrable(c.var.db, phone, b, by);
		await checkCode(c, phone, b.code);
		profile = b;
	} else {
		const b = parseBody(RegisterBody.v3, raw);
		phone = phoneOf(c, b.msisdn);
		// Refused before the code is used up, so a refusal changes nothing.
		await checkRegistrable(c.var.db, phone, b, by);
		await checkCode(c, phone, b.sms_code);
		profile = b;
	}
	const user = await registerEggAccount(c.var.db, phone, profile, by);
	if (v !== "v3") return c.body(null, 201);
	return signIn(c, user, packing, 201);
}

/** The auth module: v1 password, v2 password + code, v3 code (+ password if the account has one), unknown v3 numbers registered. */
async function auth(c: C, v: Version, packing: Packing) {
	const raw = await jsonBody(c);
	const ip = clientMeta(c).ip;
	await limit(c.env.RATE_LIMITER, "loginIp", ip);
	if (v === "v3") {
		const b = parseBody(AuthBody.v3, raw);
		const phone = phoneOf(c, b.msisdn);
		const known = await findUserByPhone(c.var.db, phone);
		// The seed's redirect to registration, answered by the registration module itself.
		if (!known) return register(c, "v3", packing, null, { ...b, pwd_hash: b.pwd_hash ?? b.password });
		await limit(c.env.RATE_LIMITER, "loginAccount", phone);
		if (known.passwordHash || b.password !== undefined)
			await authenticatePhonePassword(c.var.db, phone, (b.password ?? "").toLowerCase());
		await checkCode(c, phone, b.sms_code);
		return signIn(c, known, packing, 200);
	}
	const b: { msisdn: string | number; password: string; code?: string } =
		v === "v1" ? parseBody(AuthBody.v1, raw) : parseBody(AuthBody.v2, raw);
	const phone = phoneOf(c, b.msisdn);
	await limit(c.env.RATE_LIMITER, "loginAccount", phone);
	const user = await authenticatePhonePassword(c.var.db, phone, b.password.toLowerCase());
	if (b.code !== undefined) await checkCode(c, phone, b.code);
	return signIn(c, user, packing, 200);
}

const V = ":v{v[123]}";
const version = (c: C) => c.req.param("v") as Version;

/**
 * The Egg seed's REST API (seeds/000), served at /compat/egg: registration,
 * SMS codes, auth with packing suffixes, and the file module under
 * `/session/$SESSION_ID/`. Errors keep Hatch's body; their statuses are
 * the ones the seed lists.
 */
export const eggRestRoutes = createRouter()
	.post(`/${V}/sms`, async (c) => {
		const b = parseBody(SmsBody, await jsonBody(c));
		await limit(c.env.RATE_LIMITER, "codeRequestIp", clientMeta(c).ip);
		const phone = phoneOf(c, b.msisdn);
		const sms = createSmsProvider(c.env, c.var.db);
		await limit(c.env.RATE_LIMITER, "codeRequestPhone", phone);
		await requestSmsCode({ db: c.var.db, sms, pepper: c.env.JWT_SECRET }, phone);
		return c.body(null, 200);
	})
	.post(`/${V}/register/:pack?`, (c) => register(c, version(c), packingOf(c.req.param("pack")), null))
	.post(`/${V}/session/:sid/register/:pack?`, async (c) =>
		register(c, version(c), packingOf(c.req.param("pack")), await sessionAuth(c, c.req.param("sid"))),
	)
	.post(`/${V}/auth/:pack?`, (c) => auth(c, version(c), packingOf(c.req.param("pack"))))
	.route(`/${V}/session/:sid/file`, eggFileRoutes);
