import { fromBase64Url, toBase64Url } from "../../lib/ids";

/**
 * RFC 8291 message encryption for Web Push with the aes128gcm content coding
 * (RFC 8188), in WebCrypto. Returns the request body: the RFC 8188 header
 * (salt, record size, sender public key) followed by one encrypted record.
 * `salt` and `senderKeys` are parameters only so the RFC's test vector can
 * be reproduced; normal callers leave them out.
 *
 * @example const body = await encryptPayload(new TextEncoder().encode("hi"), sub.keys.p256dh, sub.keys.auth);
 */
export async function encryptPayload(
	plaintext: Uint8Array,
	uaPublicB64: string,
	authSecretB64: string,
	opts: { salt?: Uint8Array; senderKeys?: { publicKey: Uint8Array; privateKey: CryptoKey } } = {},
): Promise<Uint8Array> {
	const uaPublic = fromBase64Url(uaPublicB64);
	const authSecret = fromBase64Url(authSecretB64);
	if (uaPublic.length !== 65 || uaPublic[0] !== 4)
		throw new Error("p256dh must be an uncompressed P-256 point");
	if (authSecret.length !== 16) throw new Error("auth must be 16 bytes");

	const sender = opts.senderKeys ?? (await newSenderKeys());
	const uaKey = await crypto.subtle.importKey(
		"raw",
		uaPublic,
		{ name: "ECDH", namedCurve: "P-256" },
		false,
		[],
	);
	const ecdhSecret = new Uint8Array(
		await crypto.subtle.deriveBits(
			{ name: "ECDH", public: uaKey } as unknown as SubtleCryptoDeriveKeyAlgorithm,
			sender.privateKey,
			256,
		),
	);

	// RFC 8291 §3.4: IKM from the ECDH secret and the auth secret, bound to both public keys.
	const keyInfo = concat(utf8("WebPush: info\0"), uaPublic, sender.publicKey);
	const prkKey = await hmac(authSecret, ecdhSecret);
	const ikm = await hmac(prkKey, concat(keyInfo, new Uint8Array([1])));

	const salt = opts.salt ?? crypto.getRandomValues(new Uint8Array(16));
	const prk = await hmac(salt, ikm);
	const cek = (await hmac(prk, concat(utf8("Content-Encoding: aes128gcm\0"), new Uint8Array([1])))).slice(
		0,
		16,
	);
	const nonce = (await hmac(prk, concat(utf8("Content-Encoding: nonce\0"), new Uint8Array([1])))).slice(
		0,
		12,
	);

	// One record: plaintext, then the 0x02 delimiter that marks the last record (RFC 8188 §2).
	const record = concat(plaintext, new Uint8Array([2]));
	const aes = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
	const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, aes, record));

	const header = new Uint8Array(16 + 4 + 1 + sender.publicKey.length);
	header.set(salt, 0);
	new DataView(header.buffer).setUint32(16, 4096);
	header[20] = sender.publicKey.length;
	header.set(sender.publicKey, 21);
	return concat(header, ciphertext);
}

async function newSenderKeys() {
	const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
		"deriveBits",
	])) as CryptoKeyPair;
	const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
	return { publicKey, privateKey: pair.privateKey };
}

/** Imports a P-256 private key given as base64url `d` plus its uncompressed public point. */
export async function importP256Private(
	dB64: string,
	publicB64: string,
	usage: "ECDH" | "ECDSA",
): Promise<CryptoKey> {
	const pub = fromBase64Url(publicB64);
	const jwk = {
		kty: "EC",
		crv: "P-256",
		d: dB64,
		x: toBase64Url(pub.slice(1, 33)),
		y: toBase64Url(pub.slice(33, 65)),
		ext: true,
	};
	return crypto.subtle.importKey(
		"jwk",
		jwk,
		usage === "ECDH" ? { name: "ECDH", namedCurve: "P-256" } : { name: "ECDSA", namedCurve: "P-256" },
		false,
		usage === "ECDH" ? ["deriveBits"] : ["sign"],
	);
}

async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
	const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
	return new Uint8Array(await crypto.subtle.sign("HMAC", k, data));
}

function utf8(s: string): Uint8Array {
	return new TextEncoder().encode(s);
}

function concat(...parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}
