import type { HatchSocket, Message, Receipt } from "@hatch/client";
import type { ChatView } from "@hatch/contract/chats";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { CallButton } from "./calls.tsx";
import { Composer } from "./composer.tsx";
import { errorText, hatch, type Me } from "./hatch.ts";
import { Members } from "./members.tsx";
import { MessageItem } from "./message-item.tsx";

type Page = { items: Message[]; page_token: string | null };

/**
 * The chat on screen: a page of history over REST, then live on the chat's
 * own socket (resumed after the newest message held), older pages on
 * demand, typing, receipts and read marks.
 */
export function ChatScreen({ chat, me, onLeft }: { chat: ChatView; me: Me; onLeft?: () => void }) {
	const [messages, setMessages] = useState<Message[]>([]);
	const [older, setOlder] = useState<string | null>(null);
	const [receipts, setReceipts] = useState<Receipt[]>([]);
	const [typing, setTyping] = useState<string | null>(null);
	const [error, setError] = useState("");
	const [live, setLive] = useState(false);
	const [showMembers, setShowMembers] = useState(false);
	const socket = useRef<HatchSocket | null>(null);
	const list = useRef<HTMLUListElement>(null);
	const title = chat.peer?.display_name ?? chat.name ?? "Chat";

	useEffect(() => {
		let closed = false;
		let sock: HatchSocket | null = null;
		let typingTimer: ReturnType<typeof setTimeout> | undefined;
		const upsert = (m: Message) =>
			setMessages((ms) => {
				const i = ms.findIndex((x) => x.seq === m.seq);
				if (i >= 0) return ms.map((x) => (x.seq === m.seq ? m : x));
				return [...ms, m].sort((a, b) => a.seq - b.seq);
			});
		(async () => {
			try {
				const page = await hatch.api.json<Page>("GET", `/v1/chats/${chat.id}/messages?page_size=50`);
				const r = await hatch.api.json<{ receipts: Receipt[] }>("GET", `/v1/chats/${chat.id}/receipts`);
				if (closed) return;
				setMessages([...page.items].reverse());
				setOlder(page.page_token);
				setReceipts(r.receipts);
				sock = await hatch.viewChat(chat.id, page.items[0]?.seq ?? 0);
				if (closed) return sock.close();
				socket.current = sock;
				setLive(true);
				sock.on("message.new", (e) => upsert(e.message));
				sock.on("message.updated", (e) => upsert(e.message));
				sock.on("receipt", (e) => setReceipts((rs) => merge(rs, e.receipts)));
				sock.on("typing", (e) => {
					if (e.user_id === me.id) return;
					setTyping(e.user_id === chat.peer?.id ? chat.peer.display_name : "Someone");
					clearTimeout(typingTimer);
					typingTimer = setTimeout(() => setTyping(null), 4000);
				});
			} catch (e) {
				setError(errorText(e));
			}
		})();
		return () => {
			closed = true;
			clearTimeout(typingTimer);
			sock?.close();
			socket.current = null;
		};
	}, [chat.id]);

	// Read what is on screen, and keep the newest message in view.
	const last = messages[messages.length - 1];
	useEffect(() => {
		list.current?.scrollTo({ top: list.current.scrollHeight });
		if (last && last.sender_id !== me.id)
			socket.current?.request({ type: "message.read", chat_id: chat.id, seq: last.seq }).catch(() => {});
	}, [last?.seq, live]);

	const loadOlder = async () => {
		if (!older) return;
		const page = await hatch.api.json<Page>(
			"GET",
			`/v1/chats/${chat.id}/messages?page_size=50&page_token=${encodeURIComponent(older)}`,
		);
		setMessages((ms) => [
			...[...page.items].reverse().filter((m) => !ms.some((x) => x.seq === m.seq)),
			...ms,
		]);
		setOlder(page.page_token);
	};

	return (
		<main class="chat" aria-label={`Chat with ${title}`}>
			<header class="top">
				<h2 style="margin:0 auto 0 0;font-size:1.1rem">{title}</h2>
				{chat.peer && <CallButton peer={chat.peer} />}
				{chat.kind === "group" && (
					<button
						type="button"
						class="plain"
						aria-expanded={showMembers}
						onClick={() => setShowMembers(!showMembers)}
					>
						Members
					</button>
				)}
			</header>
			{showMembers && <Members chatId={chat.id} me={me} onLeft={() => onLeft?.()} />}
			<Alert text={error} />
			<ul class="messages" ref={list} aria-live="polite" data-testid="messages">
				{older && (
					<li style="align-self:center;border:0;background:none">
						<button type="button" class="plain" onClick={loadOlder}>
							Load older messages
						</button>
					</li>
				)}
				{messages.map((m) => (
					<MessageItem
						key={m.seq}
						m={m}
						mine={m.sender_id === me.id}
						status={status(m, me.id, receipts)}
						act={(frame) => socket.current?.request(frame).catch((e) => setError(errorText(e)))}
					/>
				))}
			</ul>
			<p class="meta" style="padding:0 1rem;min-height:1.5em" aria-live="polite">
				{typing ? `${typing} is typing…` : ""}
			</p>
			<Composer chatId={chat.id} socket={live ? socket.current : null} onError={setError} />
		</main>
	);
}

function merge(rs: Receipt[], next: Receipt[]): Receipt[] {
	const by = new Map(rs.map((r) => [r.user_id, r]));
	for (const r of next) by.set(r.user_id, r);
	return [...by.values()];
}

/** sent / delivered / read for my own messages, from the other members' watermarks. */
function status(m: Message, me: string, receipts: Receipt[]): string | null {
	if (m.sender_id !== me) return null;
	const others = receipts.filter((r) => r.user_id !== me);
	if (others.length && others.every((r) => r.read_seq >= m.seq)) return "read";
	if (others.length && others.every((r) => r.delivered_seq >= m.seq)) return "delivered";
	return "sent";
}
