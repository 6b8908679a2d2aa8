import { ApiError } from "../../errors";
import { fromBase64Url, toBase64Url } from "../../lib/ids";
import { isCommonPassword } from "./common-passwords";
import { isContextPassword } from "./context-words";

/** workerd refuses PBKDF2 above 100,000 iterations; we never produce or accept more. */
export const PBKDF2_MAX_ITERATIONS = 100_000;
/** Iterations for new hashes. Stored in the hash, so it can change without breaking old ones. */
export const PBKDF2_ITERATIONS = 100_000;
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;
const SCHEME = "pbkdf2-sha256";
const HASH_BYTES = 32;

/**
 * Throws `WEAK_PASSWORD` (400) for a password that is too short, too long
 * or on the common-password list, that is the account's own email, or
 * that is only a context word or the email's local part with digits and
 * symbols added (context-words.ts).
 *
 * @example checkPasswordPolicy("correct horse battery", "a@b.c");
 */
export function checkPasswordPolicy(password: string, email?: string | null): void {
	if (password.length < PASSWORD_MIN_LENGTH)
		throw weak(`Password must be at least ${PASSWORD_MIN_LENGTH} characters`);
	if (password.length > PASSWORD_MAX_LENGTH)
		throw weak(`Password must be at most ${PASSWORD_MAX_LENGTH} characters`);
	if (isCommonPassword(password)) throw weak("This password is too common; choose another");
	if (email && password.toLowerCase() === email.toLowerCase()) throw weak("Password must not be your email");
	if (isContextPassword(password, email))
		throw weak("Password must not be built from your name, your email or the product's name");
}

function weak(message: string) {
	return new ApiError("WEAK_PASSWORD", message, { status: 400 });
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
	if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_MAX_ITERATIONS)
		throw new Error(`PBKDF2 iterations must be 1..${PBKDF2_MAX_ITERATIONS}`);
	const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, [
		"deriveBits",
	]);
	const bits = await crypto.subtle.deriveBits(
		{ name: "PBKDF2", hash: "SHA-256", salt, iterations },
		key,
		HASH_BYTES * 8,
	);
	return new Uint8Array(bits);
}

/**
 * Hashes a password as `pbkdf2-sha256$<iterations>$<salt>$<hash>` (salt and
 * hash base64url): self-describing, so the cost can be raised later.
 *
 * @example const stored = await hashPassword("correct horse battery");
 */
export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
	const salt = crypto.getRandomValues(new Uint8Array(16));
	const hash = await derive(password, salt, iterations);
	return `${SCHEME}$${iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

/**
 * Checks a password against a stored hash in constant time. A malformed
 * hash, or one claiming more than 100,000 iterations, never matches.
 *
 * @example if (!(await verifyPassword(input, user.passwordHash))) throw ...;
 */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
	const parsed = parseHash(stored ?? DUMMY_HASH);
	// Unknown users and password-less accounts still pay for one derivation,
	// so response time does not reveal whether the account exists.
	const target = parsed ?? (parseHash(DUMMY_HASH) as ParsedHash);
	const actual = await derive(password, target.salt, target.iterations);
	return timingSafeEqual(actual, target.hash) && parsed !== null && stored != null;
}

/** Whether a stored hash should be recomputed at the current cost. */
export function needsRehash(stored: string): boolean {
	const parsed = parseHash(stored);
	return !parsed || parsed.iterations !== PBKDF2_ITERATIONS;
}

type ParsedHash = { iterations: number; salt: Uint8Array; hash: Uint8Array };

function parseHash(stored: string): ParsedHash | null {
	const parts = stored.split("$");
	if (parts.length !== 4 || parts[0] !== SCHEME) return null;
	const iterations = Number(parts[1]);
	if (!/^[1-9][0-9]{0,6}$/.test(parts[1] ?? "")) return null;
	if (iterations > PBKDF2_MAX_ITERATIONS) return null;
	try {
		const salt = fromBase64Url(parts[2] ?? "");
		const hash = fromBase64Url(parts[3] ?? "");
		if (salt.length < 8 || hash.length !== HASH_BYTES) return null;
		return { iterations, salt, hash };
	} catch {
		return null;
	}
}

/** A valid hash of a random throwaway password, used to equalise timing. */
const DUMMY_HASH = `${SCHEME}$${PBKDF2_ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA$${"A".repeat(43)}`;

/**
 * Compares two byte arrays without an early exit, so the time taken does
 * not tell how many leading bytes matched.
 *
 * @example timingSafeEqual(a, b)
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
	let diff = a.length ^ b.length;
	for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i % (b.length || 1)] ?? 0);
	return diff === 0;
}
