import { HatchError, type HatchSocket } from "@hatch/client";
import type { ChatView, MemberView } from "@hatch/contract/chats";
import type { Message } from "@hatch/contract/frames";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { errorText, hatch, type Me } from "../hatch.ts";
import { type Device, type DirectoryEntry, decrypt, encryptFor } from "./device.ts";

type Shown = { seq: number; mine: boolean; text: string; failed: boolean };
type KeyNotice = { user_id: string; who: string; fingerprint: string | null };

/** A member's display name: the peer of a direct chat, else from the chat's member list. */
async function nameOf(chat: ChatView, userId: string): Promise<string> {
	if (chat.peer?.id === userId) return chat.peer.display_name;
	try {
		const info = await hatch.api.json<{ members: MemberView[] }>("GET", `/v1/chats/${chat.id}`);
		return info.members.find((m) => m.user_id === userId)?.display_name ?? "Someone in this chat";
	} catch {
		return "Someone in this chat";
	}
}

/**
 * One e2e chat: history and live messages decrypted here with this
 * device's key; sending encrypts one copy per device in the chat's key
 * directory (re-read before every send), retried once on E2E_KEYS_CHANGED.
 * When someone in the chat publishes a new or different key
 * (`e2e.key_changed`), the directory is re-read and a notice asks to verify
 * the new key with them, as Signal's "safety number changed" does.
 */
export function E2eChat({ chat, me, device }: { chat: ChatView; me: Me; device: Device }) {
	const [shown, setShown] = useState<Shown[]>([]);
	const [error, setError] = useState("");
	const [notices, setNotices] = useState<KeyNotice[]>([]);
	const directory = useRef<DirectoryEntry[]>([]);
	const title = chat.peer?.display_name ?? chat.name ?? "Chat";

	const keys = async () => {
		const r = await hatch.api.json<{ devices: DirectoryEntry[] }>("GET", `/v1/chats/${chat.id}/e2e/keys`);
		directory.current = r.devices;
		return r.devices;
	};
	const open = async (m: Message): Promise<Shown> => {
		const base = { seq: m.seq, mine: m.sender_id === me.id };
		if (m.deleted) return { ...base, text: "(deleted)", failed: false };
		const copy = m.e2e?.copies.find((c) => c.device_id === device.id);
		let sender = directory.current.find((d) => d.device_id === m.e2e?.sender_device_id);
		if (copy && !sender) sender = (await keys()).find((d) => d.device_id === m.e2e?.sender_device_id);
		if (!copy || !sender) return { ...base, text: "Not encrypted for this device", failed: true };
		try {
			return { ...base, text: await decrypt(device, sender.public_key, copy.ciphertext), failed: false };
		} catch {
			return { ...base, text: "Could not decrypt", failed: true };
		}
	};
	const upsert = (s: Shown) =>
		setShown((all) => [...all.filter((x) => x.seq !== s.seq), s].sort((a, b) => a.seq - b.seq));

	useEffect(() => {
		let closed = false;
		let sock: HatchSocket | null = null;
		(async () => {
			try {
				await keys();
				const page = await hatch.api.json<{ items: Message[] }>(
					"GET",
					`/v1/chats/${chat.id}/messages?page_size=50`,
				);
				const all = await Promise.all([...page.items].reverse().map(open));
				if (closed) return;
				setShown(all);
				sock = await hatch.viewChat(chat.id, page.items[0]?.seq ?? 0);
				if (closed) return sock.close();
				sock.on("message.new", async (e) => upsert(await open(e.message)));
				sock.on("message.updated", async (e) => upsert(await open(e.message)));
			} catch (e) {
				setError(errorText(e));
			}
		})();
		const offKeys = hatch.hub.on("e2e.key_changed", async (e) => {
			if (!e.chat_ids.includes(chat.id) && e.user_id !== me.id) return;
			await keys().catch(() => undefined);
			if (e.user_id === me.id || closed) return;
			const who = await nameOf(chat, e.user_id);
			setNotices((all) => [
				...all.filter((n) => n.user_id !== e.user_id),
				{ user_id: e.user_id, who, fingerprint: e.fingerprint },
			]);
		});
		return () => {
			closed = true;
			offKeys();
			sock?.close();
		};
	}, [chat.id]);

	const send = async (text: string) => {
		const clientId = crypto.randomUUID();
		for (let attempt = 0; ; attempt++) {
			const copies = await encryptFor(device, await keys(), text);
			try {
				await hatch.api.json("POST", `/v1/chats/${chat.id}/e2e/messages`, {
					body: { client_id: clientId, device_id: device.id, copies },
				});
				return;
			} catch (e) {
				if (attempt > 0 || !(e instanceof HatchError) || e.code !== "E2E_KEYS_CHANGED") throw e;
			}
		}
	};

	return (
		<main class="chat" aria-label={`Encrypted chat with ${title}`}>
			<header class="top">
				<h2>
					{title} <span class="meta">end-to-end encrypted</span>
				</h2>
			</header>
			{notices.map((n) => (
				<p key={n.user_id} role="status" class="card" data-testid="key-changed">
					{n.who}'s security key changed
					{n.fingerprint ? ` (new key ${n.fingerprint.slice(0, 16)}…)` : ""}: a new device, or a reinstall.
					Check it with them before sharing anything sensitive.{" "}
					<button
						type="button"
						class="plain"
						onClick={() => setNotices((all) => all.filter((x) => x.user_id !== n.user_id))}
					>
						Dismiss
					</button>
				</p>
			))}
			<ul class="messages" data-testid="e2e-messages">
				{shown.map((m) => (
					<li key={m.seq} class={m.mine ? "mine" : ""}>
						<div class={m.failed ? "text muted" : "text"}>{m.text}</div>
					</li>
				))}
			</ul>
			<Alert text={error} />
			<form
				class="composer"
				onSubmit={async (ev) => {
					ev.preventDefault();
					const form = ev.currentTarget as HTMLFormElement;
					const text = String(new FormData(form).get("text") ?? "").trim();
					if (!text) return;
					setError("");
					try {
						await send(text);
						form.reset();
					} catch (e) {
						setError(errorText(e));
					}
				}}
			>
				<label for="e2e-text" class="visually-hidden">
					Encrypted message
				</label>
				<input
					id="e2e-text"
					name="text"
					type="text"
					required
					maxLength={4000}
					placeholder="Encrypted message"
				/>
				<button type="submit">Send encrypted</button>
			</form>
		</main>
	);
}
