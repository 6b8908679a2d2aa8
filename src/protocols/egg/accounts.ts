import { z } from "zod";
import type { UserRow } from "../../db/schema";
import { hashPassword } from "../../domain/auth/password";
import type { Db } from "../../domain/users/db";
import { createUser, findUserByPhone, setRole } from "../../domain/users/users";
import type { AuthContext } from "../../env";
import { ApiError } from "../../errors";
import { Msisdn } from "./msisdn";

/** The seed's profile fields; v1 and v2 require them all, v3 none. */
const Profile = {
	group: z.enum(["users", "administrators"]),
	pwd_hash: z.string().min(1).max(256),
	fname: z.string().trim().min(1).max(64),
	lname: z.string().trim().min(1).max(64),
	age: z.number().int().min(1).max(150),
	is_male: z.boolean(),
	access_level: z.number().int().min(0).max(1000),
};
const optionalProfile = Object.fromEntries(Object.entries(Profile).map(([k, v]) => [k, v.optional()])) as {
	[K in keyof typeof Profile]: z.ZodOptional<(typeof Profile)[K]>;
};

/** Request bodies by version, as the seed prints them. */
export const RegisterBody = {
	v1: z.object({ msisdn: Msisdn, ...Profile }),
	v2: z.object({ msisdn: Msisdn, code: SmsCode(), ...Profile }),
	v3: z.object({ msisdn: Msisdn, sms_code: SmsCode(), ...optionalProfile }),
};
export const AuthBody = {
	v1: z.object({ msisdn: Msisdn, password: z.string().min(1).max(256) }),
	v2: z.object({ msisdn: Msisdn, password: z.string().min(1).max(256), code: SmsCode() }),
	v3: z.object({
		msisdn: Msisdn,
		password: z.string().min(1).max(256).optional(),
		sms_code: SmsCode(),
		...optionalProfile,
	}),
};
export const SmsBody = z.object({ msisdn: Msisdn });

/** The seed sends codes as numbers (6666); digit strings are taken too. */
function SmsCode() {
	return z.union([z.number().int().min(0).max(99_999_999), z.string().regex(/^\d{4,8}$/)]).transform(String);
}

export type EggProfile = Partial<{ [K in keyof typeof Profile]: z.infer<(typeof Profile)[K]> }>;

/**
 * Parses a body against a version's schema: the seed's 400 for missing or
 * malformed fields.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
	const r = schema.safeParse(body);
	if (r.success) return r.data;
	const issue = r.error.issues[0];
	throw new ApiError(
		"VALIDATION_FAILED",
		`Invalid request (${issue?.path.join(".") ?? ""}): ${issue?.message}`,
	);
}

/** 403 for the administrators group without an administrator's session, 409 for a taken number. */
export async function checkRegistrable(db: Db, phone: string, p: EggProfile, by: AuthContext | null) {
	if (p.group === "administrators" && by?.role !== "admin")
		throw new ApiError("FORBIDDEN", "Only an administrator may create administrators");
	if (await findUserByPhone(db, phone))
		throw new ApiError("PHONE_TAKEN", "This msisdn is registered", { status: 409 });
}

/**
 * Creates a phone account from the seed's fields: 409 when the number is
 * taken; the `administrators` group only by an administrator's session
 * (403 otherwise). `pwd_hash` is the client's password (the seed sends an
 * MD5 of it) and is stored as any password is: PBKDF2 with its own salt.
 */
export async function registerEggAccount(
	db: Db,
	phone: string,
	p: EggProfile,
	by: AuthContext | null,
): Promise<UserRow> {
	await checkRegistrable(db, phone, p, by);
	const user = await createUser(db, {
		phone,
		passwordHash: p.pwd_hash ? await hashPassword(p.pwd_hash.toLowerCase()) : null,
		displayName: [p.fname, p.lname].filter(Boolean).join(" ") || phone,
		firstName: p.fname,
		lastName: p.lname,
		age: p.age,
		gender: p.is_male === undefined ? undefined : p.is_male ? "male" : "female",
	});
	return p.group === "administrators" ? setRole(db, user.id, "admin") : user;
}
