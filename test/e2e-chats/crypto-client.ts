import { api } from "../helpers/http";
import type { TestUser } from "../helpers/users";

const b64 = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b)));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

type DirectoryEntry = { user_id: string; device_id: string; public_key: string; fingerprint: string };

/**
 * A test client's device with real cryptography: an ECDH P-256 key pair
 * whose private half never leaves the test; each copy is AES-GCM under the
 * ECDH secret of the sending and receiving devices (iv || ciphertext, base64).
 */
export class E2eDevice {
	private constructor(
		readonly user: TestUser,
		readonly deviceId: string,
		private readonly keys: CryptoKeyPair,
		readonly publicKey: string,
	) {}

	static async create(user: TestUser, deviceId: string): Promise<E2eDevice> {
		const keys = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, [
			"deriveKey",
		])) as CryptoKeyPair;
		const raw = (await crypto.subtle.exportKey("raw", keys.publicKey)) as ArrayBuffer;
		return new E2eDevice(user, deviceId, keys, b64(raw));
	}

	/** PUT /v1/e2e/devices/{id}; returns the response. */
	publish(): Promise<Response> {
		return api(`/v1/e2e/devices/${this.deviceId}`, {
			method: "PUT",
			headers: this.user.auth,
			json: { public_key: this.publicKey },
		});
	}

	async directory(chatId: string): Promise<DirectoryEntry[]> {
		const res = await api(`/v1/chats/${chatId}/e2e/keys`, { headers: this.user.auth });
		if (res.status !== 200) throw new Error(`keys: ${res.status} ${await res.text()}`);
		return ((await res.json()) as { devices: DirectoryEntry[] }).devices;
	}

	private async shared(peerPublic: string): Promise<CryptoKey> {
		const pub = await crypto.subtle.importKey(
			"raw",
			unb64(peerPublic),
			{ name: "ECDH", namedCurve: "P-256" },
			false,
			[],
		);
		return crypto.subtle.deriveKey(
			{ name: "ECDH", public: pub } as unknown as SubtleCryptoDeriveKeyAlgorithm,
			this.keys.privateKey,
			{ name: "AES-GCM", length: 256 },
			false,
			["encrypt", "decrypt"],
		);
	}

	/** One copy per directory entry except this device. */
	async encryptFor(directory: DirectoryEntry[], text: string) {
		const copies = [];
		for (const d of directory) {
			if (d.user_id === this.user.id && d.device_id === this.deviceId) continue;
			const iv = crypto.getRandomValues(new Uint8Array(12));
			const ct = await crypto.subtle.encrypt(
				{ name: "AES-GCM", iv },
				await this.shared(d.public_key),
				new TextEncoder().encode(text),
			);
			copies.push({
				user_id: d.user_id,
				device_id: d.device_id,
				ciphertext: b64(new Uint8Array([...iv, ...new Uint8Array(ct)])),
			});
		}
		return copies;
	}

	async decrypt(senderPublic: string, ciphertext: string): Promise<string> {
		const bytes = unb64(ciphertext);
		const pt = await crypto.subtle.decrypt(
			{ name: "AES-GCM", iv: bytes.slice(0, 12) },
			await this.shared(senderPublic),
			bytes.slice(12),
		);
		return new TextDecoder().decode(pt);
	}

	/** POST a message group; returns the raw response. */
	send(chatId: string, copies: unknown[], clientId: string = crypto.randomUUID()): Promise<Response> {
		return api(`/v1/chats/${chatId}/e2e/messages`, {
			method: "POST",
			headers: this.user.auth,
			json: { client_id: clientId, device_id: this.deviceId, copies },
		});
	}
}
