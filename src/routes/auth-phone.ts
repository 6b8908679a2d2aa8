import { ShortName } from "@hatch/contract/names";
import { createRoute, z } from "@hono/zod-openapi";
import { limit } from "../domain/auth/limits";
import { normalizePhone, requestSmsCode, verifySmsCode } from "../domain/auth/phone";
import { startSession } from "../domain/auth/sessions";
import { createUser, findUserByPhone } from "../domain/users/users";
import { toMeView } from "../domain/users/views";
import { createRouter } from "../lib/router";
import { createSmsProvider } from "../providers/sms";
import { clientMeta } from "./auth-context";
import { errorContent, Gender, TokenResponse, tokenBody } from "./auth-schemas";

const tags = ["auth"];
const Phone = z.string().min(3).max(32).openapi({ example: "+14155552671" });

const requestCode = createRoute({
	method: "post",
	path: "/v1/auth/phone/code",
	tags,
	summary: "Text a 6-digit sign-in code to a phone number",
	description:
		"Same answer for registered and unknown numbers. The code is valid 10 minutes, single use, 5 attempts; a resend within 60 s is refused with 429. National numbers are read in DEFAULT_PHONE_REGION.",
	request: {
		body: {
			required: true,
			content: { "application/json": { schema: z.strictObject({ phone: Phone }).openapi("SmsCodeRequest") } },
		},
	},
	responses: {
		202: {
			description: "Code sent",
			content: {
				"application/json": {
					schema: z
						.object({ phone: z.string(), expires_in: z.number().int(), resend_after: z.number().int() })
						.openapi("SmsCodeSent"),
				},
			},
		},
		400: errorContent("Invalid number (INVALID_PHONE)"),
		429: errorContent("Rate limited or resend too soon"),
		503: errorContent("SMS not configured (SMS_UNAVAILABLE)"),
	},
});

const PhoneSignIn = z
	.strictObject({
		phone: Phone,
		code: z.string().regex(/^\d{6}$/, "code must be 6 digits"),
		display_name: ShortName(64).optional(),
		first_name: ShortName(64).optional(),
		last_name: ShortName(64).optional(),
		age: z.number().int().min(1).max(150).optional(),
		gender: Gender.optional(),
	})
	.openapi("PhoneSignInRequest");

const verify = createRoute({
	method: "post",
	path: "/v1/auth/phone/verify",
	tags,
	summary: "Sign in, or register, with a phone number and its code",
	description:
		"A known number signs in (200). An unknown number gets a new account (201) with the optional profile fields of this request.",
	request: { body: { required: true, content: { "application/json": { schema: PhoneSignIn } } } },
	responses: {
		200: { description: "Signed in", content: { "application/json": { schema: TokenResponse } } },
		201: {
			description: "Account created and signed in",
			content: { "application/json": { schema: TokenResponse } },
		},
		400: errorContent("Invalid input"),
		403: errorContent("Wrong code (INVALID_SMS_CODE)"),
		428: errorContent("No live code (SMS_CODE_REQUIRED)"),
		429: errorContent("Rate limited"),
	},
});

export const authPhoneRoutes = createRouter()
	.openapi(requestCode, async (c) => {
		const ip = clientMeta(c).ip;
		await limit(c.env.RATE_LIMITER, "codeRequestIp", ip);
		const phone = normalizePhone(c.req.valid("json").phone, c.env.DEFAULT_PHONE_REGION);
		// Built before anything is stored: a refused provider leaves no code behind.
		const sms = createSmsProvider(c.env, c.var.db);
		await limit(c.env.RATE_LIMITER, "codeRequestPhone", phone);
		const sent = await requestSmsCode({ db: c.var.db, sms, pepper: c.env.JWT_SECRET }, phone);
		return c.json({ phone, expires_in: sent.expiresInS, resend_after: sent.resendAfterS }, 202);
	})
	.openapi(verify, async (c) => {
		const body = c.req.valid("json");
		const meta = clientMeta(c);
		await limit(c.env.RATE_LIMITER, "codeCheckIp", meta.ip);
		const phone = normalizePhone(body.phone, c.env.DEFAULT_PHONE_REGION);
		await limit(c.env.RATE_LIMITER, "codeCheckPhone", phone);
		await verifySmsCode({ db: c.var.db, pepper: c.env.JWT_SECRET }, phone, body.code);
		let user = await findUserByPhone(c.var.db, phone);
		const created = !user;
		user ??= await createUser(c.var.db, {
			phone,
			displayName:
				body.display_name ?? ([body.first_name, body.last_name].filter(Boolean).join(" ") || phone),
			firstName: body.first_name,
			lastName: body.last_name,
			age: body.age,
			gender: body.gender,
		});
		const issued = await startSession(c.var.db, c.env, user, meta);
		c.header("Cache-Control", "no-store");
		return created
			? c.json(tokenBody(issued, toMeView(user)), 201)
			: c.json(tokenBody(issued, toMeView(user)), 200);
	});
