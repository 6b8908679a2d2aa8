import type { MemberView } from "@hatch/contract/chats";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { errorText, hatch, type Me } from "./hatch.ts";

/**
 * A group's members: who is in and who is invited; owners and admins
 * invite and remove, anyone may leave. Changes arrive as events, so the
 * list is re-read after each action and on chat.member events.
 */
export function Members({ chatId, me, onLeft }: { chatId: string; me: Me; onLeft: () => void }) {
	const [members, setMembers] = useState<MemberView[]>([]);
	const [error, setError] = useState("");
	const load = () =>
		hatch.api
			.json<{ members: MemberView[] }>("GET", `/v1/chats/${chatId}`)
			.then((r) => setMembers(r.members))
			.catch((e) => setError(errorText(e)));
	useEffect(() => {
		void load();
	}, [chatId]);
	const mine = members.find((m) => m.user_id === me.id)?.role;
	const manage = mine === "owner" || mine === "admin";
	const run = async (method: string, path: string, body?: Record<string, unknown>) => {
		setError("");
		try {
			await hatch.api.json(method, path, body ? { body } : {});
			await load();
			return true;
		} catch (e) {
			setError(errorText(e));
			return false;
		}
	};
	return (
		<section class="stack" aria-label="Members" style={{ padding: "0.5rem 1rem" }}>
			<ul class="rows" data-testid="members">
				{members.map((m) => (
					<li key={m.user_id} class="row">
						<span>
							{m.display_name} <span class="meta">{m.status === "invited" ? "invited" : m.role}</span>
						</span>
						{manage && m.user_id !== me.id && m.role !== "owner" && (
							<button
								type="button"
								class="plain"
								onClick={() => run("DELETE", `/v1/chats/${chatId}/members/${m.user_id}`)}
							>
								Remove {m.display_name}
							</button>
						)}
					</li>
				))}
			</ul>
			{manage && (
				<form
					class="row"
					aria-label="Invite to this chat"
					onSubmit={async (ev) => {
						ev.preventDefault();
						const form = ev.currentTarget as HTMLFormElement;
						const user = String(new FormData(form).get("user") ?? "").trim();
						if (await run("POST", `/v1/chats/${chatId}/invitations`, { user })) form.reset();
					}}
				>
					<label for={`invite-${chatId}`}>Invite (user id or username)</label>
					<input id={`invite-${chatId}`} name="user" required />
					<button type="submit">Invite</button>
				</form>
			)}
			<button
				type="button"
				class="plain"
				onClick={async () => {
					if (await run("POST", `/v1/chats/${chatId}/leave`)) onLeft();
				}}
			>
				Leave this chat
			</button>
			<Alert text={error} />
		</section>
	);
}
