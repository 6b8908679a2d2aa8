import { hatch } from "../hatch.ts";

/**
 * This browser's e2e device: an ECDH P-256 key pair made here with
 * WebCrypto, its private half non-extractable and kept in IndexedDB (a
 * CryptoKey is stored as is, never as bytes), so it never leaves the
 * browser. Each copy of a message is AES-GCM under the ECDH secret of the
 * sending and receiving devices: base64(iv ‖ ciphertext), the format
 * test/e2e-chats uses.
 */
export type Device = { id: string; keys: CryptoKeyPair; publicKey: string; fingerprint: string };
export type DirectoryEntry = { user_id: string; device_id: string; public_key: string; fingerprint: string };
export type Copy = { user_id: string; device_id: string; ciphertext: string };

const b64 = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b)));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const P256 = { name: "ECDH", namedCurve: "P-256" } as const;

function idb<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest): Promise<T> {
	return new Promise((resolve, reject) => {
		const open = indexedDB.open("hatch-e2e", 1);
		open.onupgradeneeded = () => open.result.createObjectStore("device");
		open.onerror = () => reject(open.error);
		open.onsuccess = () => {
			const req = op(open.result.transaction("device", mode).objectStore("device"));
			req.onsuccess = () => resolve(req.result as T);
			req.onerror = () => reject(req.error);
		};
	});
}

async function fingerprintOf(publicKey: string): Promise<string> {
	const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(publicKey));
	return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** This browser's device for the signed-in user: loaded, or made and stored; published to the key directory. */
export async function loadDevice(userId: string): Promise<Device> {
	let stored = await idb<{ id: string; keys: CryptoKeyPair; publicKey: string } | undefined>(
		"readonly",
		(s) => s.get(userId),
	);
	if (!stored) {
		const keys = (await crypto.subtle.generateKey(P256, false, ["deriveKey"])) as CryptoKeyPair;
		const publicKey = b64(await crypto.subtle.exportKey("raw", keys.publicKey));
		stored = { id: `web-${crypto.randomUUID()}`, keys, publicKey };
		await idb("readwrite", (s) => s.put(stored, userId));
	}
	// Publishing the same key again changes nothing and tells nobody (README e2e section).
	await hatch.api.json("PUT", `/v1/e2e/devices/${stored.id}`, { body: { public_key: stored.publicKey } });
	return { ...stored, fingerprint: await fingerprintOf(stored.publicKey) };
}

async function shared(device: Device, peerPublic: string): Promise<CryptoKey> {
	const pub = await crypto.subtle.importKey("raw", unb64(peerPublic), P256, false, []);
	return crypto.subtle.deriveKey(
		{ name: "ECDH", public: pub },
		device.keys.privateKey,
		{ name: "AES-GCM", length: 256 },
		false,
		["encrypt", "decrypt"],
	);
}

/** One copy per device in the directory, this one included (so this browser can read what it sent). */
export async function encryptFor(device: Device, directory: DirectoryEntry[], text: string): Promise<Copy[]> {
	const plain = new TextEncoder().encode(text);
	return Promise.all(
		directory.map(async (d) => {
			const iv = crypto.getRandomValues(new Uint8Array(12));
			const ct = await crypto.subtle.encrypt(
				{ name: "AES-GCM", iv },
				await shared(device, d.public_key),
				plain,
			);
			return {
				user_id: d.user_id,
				device_id: d.device_id,
				ciphertext: b64(new Uint8Array([...iv, ...new Uint8Array(ct)])),
			};
		}),
	);
}

/** The plaintext of a copy from the device whose public key is `senderPublic`. */
export async function decrypt(device: Device, senderPublic: string, ciphertext: string): Promise<string> {
	const bytes = unb64(ciphertext);
	const pt = await crypto.subtle.decrypt(
		{ name: "AES-GCM", iv: bytes.slice(0, 12) },
		await shared(device, senderPublic),
		bytes.slice(12),
	);
	return new TextDecoder().decode(pt);
}
