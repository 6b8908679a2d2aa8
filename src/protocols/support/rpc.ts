import { LIMITS } from "@hatch/contract/limits";
import type { SupportMessage } from "@hatch/contract/support-frames";
import { ApiError } from "../../errors";

/**
 * The support seed's JSON-RPC over WebSocket (seed 001), translated to the
 * native desk and back. Nothing here decides anything: the desk behind
 * `SeedPort` does. Frames and errors are the seed's, byte for byte in shape:
 * `{"error": null, "result": {...}, "id": 1}`.
 */

/** What a seed socket may ask of the desk. */
export type SeedPort = {
	/** Binds the socket to the token's user; false for an unknown, expired or revoked token. */
	authenticate(token: string): Promise<boolean>;
	/** The customer's messages, oldest first. */
	history(): Promise<SupportMessage[]>;
	send(text: string): Promise<SupportMessage>;
	/** `customer` is the seed's numeric user id; without it, the one conversation the operator holds. */
	operatorSend(text: string, customer: number | undefined): Promise<SupportMessage>;
};

/** A seed message: the seed's Messages table, `created` in Unix seconds. */
export type SeedMessage = {
	message_id: number;
	message_text: string;
	invader_name: string;
	is_from_support: boolean;
	created: number;
	/** Only to operators: which customer (the Messages table's `user_id`). */
	user_id?: number;
};

type Id = string | number | null;
export type SeedOutcome = { reply?: string; close?: { code: number; reason: string } };

/** Close code for a missing or unknown token (the seed: "break the connection"). */
export const SEED_UNAUTHORIZED = { code: 1008, reason: "Unauthorized" } as const;

/** Error codes: 1 is the seed's own; the others cover what the seed leaves unsaid. */
export const SEED_ERRORS = {
	INCORRECT_ARGUMENT: { code: 1, message: "Incorrect argument." },
	ACCESS_DENIED: { code: 2, message: "Access denied." },
	PARSE_ERROR: { code: -32700, message: "Parse error." },
	INVALID_REQUEST: { code: -32600, message: "Invalid Request." },
	METHOD_NOT_FOUND: { code: -32601, message: "Method not found." },
	TOO_MANY_REQUESTS: { code: 4, message: "Too many requests." },
} as const;
/** A refusal by the desk (taken by someone else, closed…): code 3 with the desk's message. */
const REFUSED = 3;

export function seedMessage(m: SupportMessage, customerNumber: number | null = null): SeedMessage {
	const out: SeedMessage = {
		message_id: m.seq,
		message_text: m.text,
		invader_name: m.sender_name,
		is_from_support: m.is_from_support,
		created: Math.floor(m.created_at / 1000),
	};
	if (customerNumber !== null) out.user_id = customerNumber;
	return out;
}

const ok = (result: unknown, id: Id) => JSON.stringify({ error: null, result, id });
const err = (e: { code: number; message: string }, id: Id) =>
	JSON.stringify({ error: { code: e.code, message: e.message }, result: null, id });

/** A server-pushed new message (seed §3): `id` is the message's id, as the seed prints it. */
export function seedPush(m: SupportMessage, customerNumber: number | null): string {
	return ok({ message: seedMessage(m, customerNumber) }, m.seq);
}

const isText = (v: unknown): v is string =>
	typeof v === "string" && v.trim().length > 0 && v.length <= LIMITS.TEXT_MAX;

/**
 * Handles one inbound frame of a seed socket.
 *
 * @example
 * const out = await handleSeedFrame(raw, authed, port);
 * if (out.reply) ws.send(out.reply); if (out.close) ws.close(out.close.code, out.close.reason);
 */
export async function handleSeedFrame(
	raw: string | ArrayBuffer,
	authed: boolean,
	port: SeedPort,
	limited = false,
): Promise<SeedOutcome> {
	let req: unknown;
	try {
		if (typeof raw !== "string") throw new Error("binary");
		req = JSON.parse(raw);
	} catch {
		return { reply: err(SEED_ERRORS.PARSE_ERROR, null) };
	}
	if (!req || typeof req !== "object" || Array.isArray(req))
		return { reply: err(SEED_ERRORS.INVALID_REQUEST, null) };
	const { method, params, id: rawId } = req as { method?: unknown; params?: unknown; id?: unknown };
	const id: Id = typeof rawId === "number" || typeof rawId === "string" ? rawId : null;
	if (typeof method !== "string") return { reply: err(SEED_ERRORS.INVALID_REQUEST, id) };
	if (limited) return { reply: err(SEED_ERRORS.TOO_MANY_REQUESTS, id) };
	const args = Array.isArray(params) ? params : null;

	if (method === "message.auth") {
		const token = args?.[0];
		// Seed §1.1.1: no token, or not a known one: drop the connection.
		if (typeof token !== "string" || !token || !(await port.authenticate(token)))
			return { close: SEED_UNAUTHORIZED };
		const messages = await port.history();
		return { reply: ok({ messages: messages.length ? messages.map((m) => seedMessage(m)) : null }, id) };
	}
	if (!authed) return { close: SEED_UNAUTHORIZED };

	try {
		if (method === "message.send") {
			if (args?.length !== 1 || !isText(args[0])) return { reply: err(SEED_ERRORS.INCORRECT_ARGUMENT, id) };
			return { reply: ok({ message: seedMessage(await port.send(args[0])) }, id) };
		}
		if (method === "message.operatorSend") {
			const customer = args?.[1];
			const customerOk =
				customer === undefined || (Number.isSafeInteger(customer) && (customer as number) > 0);
			if (!args || args.length < 1 || args.length > 2 || !isText(args[0]) || !customerOk)
				return { reply: err(SEED_ERRORS.INCORRECT_ARGUMENT, id) };
			return {
				reply: ok(
					{ message: seedMessage(await port.operatorSend(args[0], customer as number | undefined)) },
					id,
				),
			};
		}
	} catch (e) {
		if (!(e instanceof ApiError)) throw e;
		if (e.code === "FORBIDDEN") return { reply: err(SEED_ERRORS.ACCESS_DENIED, id) };
		return { reply: err({ code: REFUSED, message: e.message }, id) };
	}
	return { reply: err(SEED_ERRORS.METHOD_NOT_FOUND, id) };
}
