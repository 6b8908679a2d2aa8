/** HMAC-SHA-256 keys by their secret material, each imported once per isolate (every request signs or verifies). */
const keys = new Map<string, Promise<CryptoKey>>();

/**
 * The HMAC-SHA-256 key (sign and verify) of `material`, imported on first use.
 *
 * @example await crypto.subtle.sign("HMAC", await hmacKey(secret), data)
 */
export function hmacKey(material: string): Promise<CryptoKey> {
	let key = keys.get(material);
	if (!key) {
		key = crypto.subtle.importKey(
			"raw",
			new TextEncoder().encode(material),
			{ name: "HMAC", hash: "SHA-256" },
			false,
			["sign", "verify"],
		);
		keys.set(material, key);
	}
	return key;
}
