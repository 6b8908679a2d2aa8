import { fromBase64Url, toBase64Url } from "../../lib/ids";

/**
 * AES-256-GCM for secrets at rest (SIP passwords, webhook signing secrets).
 * Ciphertext format `v1.<iv>.<ciphertext+tag>` (base64url), so a future key
 * rotation can add `v2` without touching stored rows. The key is the
 * SECRETS_KEY Worker secret: 32 bytes, base64.
 *
 * @example
 * const enc = await encryptSecret(env.SECRETS_KEY, "hunter2");
 * await decryptSecret(env.SECRETS_KEY, enc); // "hunter2"
 */
export async function encryptSecret(keyB64: string, plaintext: string): Promise<string> {
	const key = await importKey(keyB64);
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(plaintext));
	return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ct))}`;
}

/** Reverses {@link encryptSecret}; throws on a wrong key or tampered ciphertext. */
export async function decryptSecret(keyB64: string, stored: string): Promise<string> {
	const [version, iv, ct] = stored.split(".");
	if (version !== "v1" || !iv || !ct) throw new Error("unknown secret format");
	const key = await importKey(keyB64);
	const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64Url(iv) }, key, fromBase64Url(ct));
	return new TextDecoder().decode(pt);
}

const keys = new Map<string, Promise<CryptoKey>>();

function importKey(keyB64: string): Promise<CryptoKey> {
	let key = keys.get(keyB64);
	if (!key) {
		const raw = Uint8Array.from(atob(keyB64), (c) => c.charCodeAt(0));
		if (raw.length !== 32) throw new Error("SECRETS_KEY must be 32 bytes (base64)");
		key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
		keys.set(keyB64, key);
	}
	return key;
}
