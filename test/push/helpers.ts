import { toBase64Url } from "../../src/lib/ids";

/**
 * A fresh P-256 key pair as VAPID wants it: `d` (private, base64url), `pub`
 * (the uncompressed point, base64url) and the private JWK.
 * @example const { d, pub } = await newP256();
 */
export async function newP256() {
	const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
		"sign",
		"verify",
	])) as CryptoKeyPair;
	const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
	const pub = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
	return { d: jwk.d as string, pub: toBase64Url(pub), jwk };
}
