import { isHostDenied } from "@hatch/shared/host-policy";
import { hostSyntaxProblem } from "@hatch/shared/host-syntax";
import { and, desc, eq, lt } from "drizzle-orm";
import { type SipTrunkRow, sipTrunks } from "../../db/schema";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import type { VoiceDb as Db } from "../campaigns/db";
import type { DialTrunk } from "../dialer/types";
import { decryptSecret, encryptSecret } from "../secrets/crypto";

export type TrunkInput = {
	name: string;
	host: string;
	port?: number;
	transport?: "udp" | "tcp" | "tls";
	username?: string | null;
	password?: string | null;
	auth_username?: string | null;
	from_user?: string | null;
	caller_id?: string | null;
	domain?: string | null;
	codecs?: ("PCMU" | "PCMA")[];
};

/** What the API shows of a trunk: everything but the password, which is only ever `has_password`. */
export function trunkView(t: SipTrunkRow) {
	return {
		id: t.id,
		name: t.name,
		host: t.host,
		port: t.port,
		transport: t.transport,
		username: t.username,
		has_password: t.passwordEnc !== null,
		auth_username: t.authUsername,
		from_user: t.fromUser,
		caller_id: t.callerId,
		domain: t.domain,
		codecs: t.codecs,
		last_test: t.lastTest ?? null,
		created_at: t.createdAt.toISOString(),
		updated_at: t.updatedAt.toISOString(),
	};
}

/**
 * Refuses a gateway host that is not a DNS name or a canonical IP address
 * (422 SIP_HOST_INVALID: `127.1`, `2130706433` and the like, which resolvers
 * read as addresses) or is on the deny list (422 SIP_HOST_DENIED, SIP_HOST_DENY).
 * The dialer applies both again to what the name resolves to, when it sends.
 */
export function assertHostAllowed(env: Env, host: string): void {
	const problem = hostSyntaxProblem(host);
	if (problem) throw new ApiError("SIP_HOST_INVALID", problem, { status: 422 });
	const rule = isHostDenied(host, env.SIP_HOST_DENY);
	if (rule)
		throw new ApiError(
			"SIP_HOST_DENIED",
			`Gateway host ${host} is not allowed (${rule} addresses are blocked)`,
			{ status: 422 },
		);
}

/** @example const trunk = await createTrunk(env, db, userId, { name: "Main", host: "sip.example.com" }); */
export async function createTrunk(
	env: Env,
	db: Db,
	ownerId: string,
	input: TrunkInput,
): Promise<SipTrunkRow> {
	assertHostAllowed(env, input.host);
	const now = new Date();
	const row: SipTrunkRow = {
		id: newId(),
		ownerId,
		name: input.name,
		host: input.host,
		port: input.port ?? 5060,
		transport: input.transport ?? "udp",
		username: input.username ?? null,
		passwordEnc: input.password ? await encryptSecret(env.SECRETS_KEY, input.password) : null,
		authUsername: input.auth_username ?? null,
		fromUser: input.from_user ?? null,
		callerId: input.caller_id ?? null,
		domain: input.domain ?? null,
		codecs: input.codecs ?? ["PCMU", "PCMA"],
		lastTest: null,
		createdAt: now,
		updatedAt: now,
	};
	await db.insert(sipTrunks).values(row);
	return row;
}

/** Applies a partial update; `password: null` removes it, an omitted password keeps it. */
export async function updateTrunk(
	env: Env,
	db: Db,
	trunk: SipTrunkRow,
	input: Partial<TrunkInput>,
): Promise<SipTrunkRow> {
	if (input.host !== undefined) assertHostAllowed(env, input.host);
	const next: SipTrunkRow = {
		...trunk,
		name: input.name ?? trunk.name,
		host: input.host ?? trunk.host,
		port: input.port ?? trunk.port,
		transport: input.transport ?? trunk.transport,
		username: input.username !== undefined ? input.username : trunk.username,
		passwordEnc:
			input.password === undefined
				? trunk.passwordEnc
				: input.password === null
					? null
					: await encryptSecret(env.SECRETS_KEY, input.password),
		authUsername: input.auth_username !== undefined ? input.auth_username : trunk.authUsername,
		fromUser: input.from_user !== undefined ? input.from_user : trunk.fromUser,
		callerId: input.caller_id !== undefined ? input.caller_id : trunk.callerId,
		domain: input.domain !== undefined ? input.domain : trunk.domain,
		codecs: input.codecs ?? trunk.codecs,
		updatedAt: new Date(),
	};
	await db.update(sipTrunks).set(next).where(eq(sipTrunks.id, trunk.id));
	return next;
}

/** Deletes a trunk. */
export async function deleteTrunk(db: Db, trunk: SipTrunkRow): Promise<void> {
	await db.delete(sipTrunks).where(eq(sipTrunks.id, trunk.id));
}

/** The caller's trunk, or 404 (also when it belongs to someone else). */
export async function getOwnedTrunk(db: Db, ownerId: string, id: string): Promise<SipTrunkRow> {
	const row = await db.query.sipTrunks.findFirst({
		where: and(eq(sipTrunks.id, id), eq(sipTrunks.ownerId, ownerId)),
	});
	if (!row) throw new ApiError("NOT_FOUND", "SIP trunk not found");
	return row;
}

/** Newest first, keyset-paginated by id (UUIDv7 sorts by time). */
export async function listTrunks(db: Db, ownerId: string, limit: number, before?: string) {
	return db.query.sipTrunks.findMany({
		where: before
			? and(eq(sipTrunks.ownerId, ownerId), lt(sipTrunks.id, before))
			: eq(sipTrunks.ownerId, ownerId),
		orderBy: desc(sipTrunks.id),
		limit,
	});
}

/** The trunk as the dialer's `POST /calls` wants it, password decrypted in memory. */
export async function toDialTrunk(secretsKey: string, t: SipTrunkRow): Promise<DialTrunk> {
	const out: DialTrunk = { host: t.host, port: t.port, transport: t.transport, codecs: t.codecs };
	if (t.username) out.username = t.username;
	if (t.passwordEnc) out.password = await decryptSecret(secretsKey, t.passwordEnc);
	if (t.authUsername) out.auth_username = t.authUsername;
	if (t.fromUser) out.from_user = t.fromUser;
	if (t.callerId) out.caller_id = t.callerId;
	if (t.domain) out.domain = t.domain;
	return out;
}
