import type { ChatView } from "@hatch/contract/chats";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { errorText, hatch } from "./hatch.ts";

/** The inbox: chats newest first, unread badges and presence, kept live by the hub socket. */
export function ChatList({ openId, onOpen }: { openId: string | null; onOpen: (c: ChatView) => void }) {
	const [chats, setChats] = useState<ChatView[]>([]);
	const [online, setOnline] = useState<Record<string, boolean>>({});
	const [error, setError] = useState("");

	const reload = () =>
		hatch.api
			.json<{ items: ChatView[] }>("GET", "/v1/chats")
			// End-to-end encrypted chats live in their own tab (web/src/e2e), which can decrypt them.
			.then((r) => setChats(r.items.filter((c) => !c.e2e)))
			.catch((e) => setError(errorText(e)));

	useEffect(() => {
		void reload();
		const hub = hatch.hub;
		const offs = [
			hub.on("inbox", (e) =>
				setChats((cs) => {
					const known = cs.find((c) => c.id === e.chat_id);
					if (!known) void reload();
					const rest = cs.filter((c) => c.id !== e.chat_id);
					return known
						? [{ ...known, unread: e.unread, last_message: e.last_message, last_seq: e.seq }, ...rest]
						: cs;
				}),
			),
			hub.on("chat.invitation", () => void reload()),
			hub.on("chat.removed", () => void reload()),
			hub.on("presence", (e) => setOnline((o) => ({ ...o, [e.user_id]: e.online }))),
		];
		return () => {
			for (const off of offs) off();
		};
	}, []);

	// Presence of direct-chat peers, asked once each.
	useEffect(() => {
		for (const c of chats) {
			const peer = c.peer?.id;
			if (!peer || peer in online) continue;
			hatch.hub
				.request<{ online: boolean }>({ type: "presence.get", user_id: peer })
				.then((p) => setOnline((o) => ({ ...o, [peer]: p.online })))
				.catch(() => {});
		}
	}, [chats]);

	const open = (c: ChatView) => {
		setChats((cs) => cs.map((x) => (x.id === c.id ? { ...x, unread: 0 } : x)));
		onOpen(c);
	};

	return (
		<div class="stack">
			<NewChat
				onCreated={async (id) => {
					await reload();
					const r = await hatch.api.json<ChatView>("GET", `/v1/chats/${id}`);
					open(r);
				}}
			/>
			{error && <p class="error">{error}</p>}
			<ul class="chats" data-testid="chat-list">
				{chats.map((c) => (
					<li key={c.id}>
						<button type="button" aria-current={c.id === openId} onClick={() => open(c)}>
							{c.peer && (
								<span
									class={`dot${online[c.peer.id] ? " online" : ""}`}
									role="img"
									aria-label={online[c.peer.id] ? "online" : "offline"}
								/>
							)}
							<span>
								<strong>{c.peer?.display_name ?? c.name ?? "Chat"}</strong>
								{c.status === "invited" && <span class="muted"> (invitation)</span>}
								<br />
								<span class="meta">{c.last_message?.text ?? ""}</span>
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
		</div>
	);
}

/** Start a direct chat (user id or username) or a group with a name. */
function NewChat({ onCreated }: { onCreated: (chatId: string) => Promise<void> }) {
	const [error, setError] = useState("");
	return (
		<form
			class="stack"
			aria-label="New chat"
			onSubmit={async (ev) => {
				ev.preventDefault();
				const form = ev.currentTarget as HTMLFormElement;
				const user = String(new FormData(form).get("user") ?? "").trim();
				const group = String(new FormData(form).get("group") ?? "").trim();
				setError("");
				try {
					// A group answers its chat; a direct chat answers {created, chat}.
					const id = group
						? (
								await hatch.hub.request<{ id: string }>({
									type: "chat.create",
									name: group,
									members: user ? [user] : [],
								})
							).id
						: (await hatch.hub.request<{ chat: { id: string } }>({ type: "chat.direct", user })).chat.id;
					form.reset();
					await onCreated(id);
				} catch (e) {
					setError(errorText(e));
				}
			}}
		>
			<label for="new-chat-user">User id or username</label>
			<input id="new-chat-user" name="user" />
			<label for="new-chat-group">Group name (leave empty for a direct chat)</label>
			<input id="new-chat-group" name="group" />
			<button type="submit">Start chat</button>
			<Alert text={error} />
		</form>
	);
}
