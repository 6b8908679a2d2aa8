import { HatchError, type HatchSocket } from "@hatch/client";
import type { ChatView } from "@hatch/contract/chats";
import type { Message } from "@hatch/contract/frames";
import { useEffect, useRef, useState } from "preact/hooks";
import { errorText, hatch, type Me } from "../hatch.ts";
import { type Device, type DirectoryEntry, decrypt, encryptFor } from "./device.ts";

type Shown = { seq: number; mine: boolean; text: string; failed: boolean };

/**
 * One e2e chat: history and live messages decrypted here with this
 * device's key; sending encrypts one copy per device in the chat's key
 * directory (re-read before every send, so a changed key is picked up
 * without listening for e2e.key_changed), retried once on E2E_KEYS_CHANGED.
 */
export function E2eChat({ chat, me, device }: { chat: ChatView; me: Me; device: Device }) {
	const [shown, setShown] = useState<Shown[]>([]);
	const [error, setError] = useState("");
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
		return () => {
			closed = true;
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
			<ul class="messages" data-testid="e2e-messages">
				{shown.map((m) => (
					<li key={m.seq} class={m.mine ? "mine" : ""}>
						<div class={m.failed ? "text muted" : "text"}>{m.text}</div>
					</li>
				))}
			</ul>
			{error && (
				<p role="alert" class="error">
					{error}
				</p>
			)}
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
