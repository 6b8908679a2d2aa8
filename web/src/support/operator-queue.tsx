import type { SupportConversation, SupportMessage } from "@hatch/contract/support-frames";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { errorText, hatch, type Me } from "../hatch.ts";
import { openDesk } from "./desk-socket.ts";
import { merge, Transcript } from "./transcript.tsx";

const path = (id: string, action = "") => `/v1/support/conversations/${encodeURIComponent(id)}${action}`;

/**
 * The operators' side: open conversations (waiting first, then assigned),
 * kept live by `support.conversation` events; one of them on screen with
 * take, reply and close.
 */
export function OperatorQueue({ me }: { me: Me }) {
	const [list, setList] = useState<SupportConversation[]>([]);
	const [openId, setOpenId] = useState<string | null>(null);
	const [messages, setMessages] = useState<SupportMessage[]>([]);
	const [error, setError] = useState("");
	const openRef = useRef(openId);
	openRef.current = openId;

	const load = () =>
		hatch.api
			.json<{ items: SupportConversation[] }>("GET", "/v1/support/conversations?status=open")
			.then((r) => setList(r.items))
			.catch((e) => setError(errorText(e)));
	const show = (id: string) =>
		hatch.api
			.json<{ messages: SupportMessage[] }>("GET", path(id))
			.then((r) => {
				setOpenId(id);
				setMessages(r.messages);
			})
			.catch((e) => setError(errorText(e)));

	useEffect(
		() =>
			openDesk(
				(e) => {
					if (e.type === "support.conversation") {
						const c = e.conversation;
						setList((cs) => {
							const rest = cs.filter((x) => x.id !== c.id);
							return c.status === "closed" ? rest : [c, ...rest];
						});
					} else if (e.conversation_id === openRef.current) setMessages((ms) => merge(ms, e.message));
				},
				() => void load(),
			),
		[],
	);

	const act = async (action: string, body?: Record<string, unknown>) => {
		if (!openId) return;
		setError("");
		try {
			await hatch.api.json("POST", path(openId, action), body === undefined ? {} : { body });
			if (action === "/close") setOpenId(null);
			await load();
		} catch (e) {
			setError(errorText(e));
		}
	};
	const current = list.find((c) => c.id === openId);
	const ordered = [...list].sort((a, b) => (a.status === b.status ? 0 : a.status === "waiting" ? -1 : 1));

	return (
		<div class="layout">
			<nav aria-label="Support queue" class="stack" style={{ padding: "0.5rem 1rem" }}>
				<h2>Support queue</h2>
				{ordered.length === 0 && <p class="muted">Nobody is waiting.</p>}
				<ul class="chats" data-testid="support-queue">
					{ordered.map((c) => (
						<li key={c.id}>
							<button type="button" aria-current={c.id === openId} onClick={() => show(c.id)}>
								<span>
									<strong>{c.customer.name || `Customer ${c.customer.number}`}</strong>{" "}
									<span class="meta">
										{c.status === "waiting" ? "waiting" : `with ${c.assignee?.name ?? "someone"}`}
									</span>
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
			</nav>
			<section class="card stack" aria-label="Conversation">
				{!openId && <p class="muted">Pick a conversation from the queue.</p>}
				{openId && (
					<>
						<div class="row">
							{current?.status === "waiting" && (
								<button type="button" onClick={() => act("/take")}>
									Take
								</button>
							)}
							<button type="button" onClick={() => act("/close")}>
								Close conversation
							</button>
						</div>
						<Transcript messages={messages} label="Conversation with the customer" />
						{current?.assignee?.id === me.id && (
							<form
								class="row"
								aria-label="Reply"
								onSubmit={async (ev) => {
									ev.preventDefault();
									const form = ev.currentTarget as HTMLFormElement;
									const text = String(new FormData(form).get("text") ?? "").trim();
									if (!text) return;
									await act("/messages", { text, client_id: crypto.randomUUID() });
									form.reset();
									void show(openId);
								}}
							>
								<label for="reply-text">Reply to the customer</label>
								<input id="reply-text" name="text" required maxLength={4000} />
								<button type="submit">Send reply</button>
							</form>
						)}
					</>
				)}
				<Alert text={error} />
			</section>
		</div>
	);
}
