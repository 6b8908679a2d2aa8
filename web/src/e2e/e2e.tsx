import type { ChatView } from "@hatch/contract/chats";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { errorText, hatch, type Me } from "../hatch.ts";
import { Invitation } from "../invitation.tsx";
import { type Device, loadDevice } from "./device.ts";
import { E2eChat } from "./e2e-chat.tsx";

/**
 * End-to-end encrypted chats (loaded on demand): this browser's device key
 * (made here, published once), the e2e chats with their invitations, and a
 * new direct or group one.
 */
export default function E2eChats({ me }: { me: Me }) {
	const [device, setDevice] = useState<Device | null>(null);
	const [chats, setChats] = useState<ChatView[]>([]);
	const [open, setOpen] = useState<ChatView | null>(null);
	const [error, setError] = useState("");
	const reload = () =>
		hatch.api
			.json<{ items: ChatView[] }>("GET", "/v1/chats")
			.then((r) => setChats(r.items.filter((c) => c.e2e)))
			.catch((e) => setError(errorText(e)));
	useEffect(() => {
		loadDevice(me.id)
			.then(setDevice)
			.catch((e) => setError(`This browser cannot keep e2e keys: ${errorText(e)}`));
		void reload();
		const offs = [
			hatch.hub.on("inbox", () => void reload()),
			hatch.hub.on("chat.invitation", () => void reload()),
		];
		return () => {
			for (const off of offs) off();
		};
	}, [me.id]);

	return (
		<div class="layout">
			<nav aria-label="Encrypted chats" class="stack" style={{ padding: "0.5rem" }}>
				<p class="meta" data-testid="device-fingerprint">
					{device ? `This device's key: ${device.fingerprint.slice(0, 16)}…` : "Making this device's key…"}
				</p>
				<form
					class="stack"
					aria-label="New encrypted chat"
					onSubmit={async (ev) => {
						ev.preventDefault();
						const form = ev.currentTarget as HTMLFormElement;
						const user = String(new FormData(form).get("user") ?? "").trim();
						setError("");
						try {
							const r = await hatch.api.json<{ chat: ChatView }>("POST", "/v1/chats/direct", {
								body: { user, e2e: true },
							});
							form.reset();
							await reload();
							setOpen(r.chat);
						} catch (e) {
							setError(errorText(e));
						}
					}}
				>
					<label for="e2e-user">User id or username for an encrypted chat</label>
					<input id="e2e-user" name="user" required />
					<button type="submit">Start encrypted chat</button>
				</form>
				<form
					class="stack"
					aria-label="New encrypted group"
					onSubmit={async (ev) => {
						ev.preventDefault();
						const form = ev.currentTarget as HTMLFormElement;
						const data = new FormData(form);
						const members = String(data.get("members") ?? "")
							.split(/[\s,]+/)
							.filter(Boolean);
						setError("");
						try {
							const chat = await hatch.api.json<ChatView>("POST", "/v1/chats", {
								body: { name: String(data.get("name") ?? "").trim(), members, e2e: true },
							});
							form.reset();
							await reload();
							setOpen(chat);
						} catch (e) {
							setError(errorText(e));
						}
					}}
				>
					<label for="e2e-group-name">Encrypted group name</label>
					<input id="e2e-group-name" name="name" required maxLength={100} />
					<label for="e2e-group-members">Members (user ids or usernames, comma-separated)</label>
					<input id="e2e-group-members" name="members" />
					<button type="submit">Create encrypted group</button>
				</form>
				<Alert text={error} />
				<ul class="chats" data-testid="e2e-chat-list">
					{chats.map((c) => (
						<li key={c.id}>
							<button type="button" aria-current={c.id === open?.id} onClick={() => setOpen(c)}>
								<span>
									<strong>{c.peer?.display_name ?? c.name ?? "Chat"}</strong>
									<span class="visually-hidden"> (encrypted)</span>
									{c.status === "invited" && <span class="meta"> invitation</span>}
								</span>
								{c.unread > 0 && (
									<span class="badge">
										{c.unread}
										<span class="visually-hidden"> unread</span>
									</span>
								)}
							</button>
						</li>
					))}
				</ul>
			</nav>
			{open?.status === "invited" ? (
				<Invitation
					key={open.id}
					chat={open}
					onDone={(accepted) => {
						setOpen(accepted);
						void reload();
					}}
				/>
			) : open && device ? (
				<E2eChat key={open.id} chat={open} me={me} device={device} />
			) : (
				<main class="card muted">
					Messages here are readable only on the devices of the people in the chat.
				</main>
			)}
		</div>
	);
}
