import { useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { errorText, hatch } from "./hatch.ts";

type CallItem = {
	id: string;
	direction: "outgoing" | "incoming";
	peer: { id: string; display_name: string };
	started_at: number;
	duration_s: number;
	end_reason: string;
	missed: boolean;
};

/** Your calls, newest first (GET /v1/calls), re-read whenever a call ends; "Older calls" pages back. */
export default function CallHistory() {
	const [items, setItems] = useState<CallItem[]>([]);
	const [next, setNext] = useState<string | null>(null);
	const [error, setError] = useState("");
	const load = (token?: string) =>
		hatch.api
			.json<{ items: CallItem[]; page_token: string | null }>(
				"GET",
				`/v1/calls?page_size=20${token ? `&page_token=${encodeURIComponent(token)}` : ""}`,
			)
			.then((r) => {
				setItems((old) => (token ? [...old, ...r.items] : r.items));
				setNext(r.page_token);
			})
			.catch((e) => setError(errorText(e)));
	useEffect(() => {
		void load();
		return hatch.hub.on("call.bye", () => void load());
	}, []);
	return (
		<section class="card stack" aria-labelledby="history-h">
			<h2 id="history-h">Call history</h2>
			<Alert text={error} />
			{items.length === 0 && !error && <p class="muted">No calls yet.</p>}
			<ul class="rows" data-testid="call-history">
				{items.map((c) => (
					<li key={c.id}>
						<strong>
							{c.direction === "outgoing" ? "To" : "From"} {c.peer.display_name}
						</strong>{" "}
						<span class={c.missed ? "error" : "meta"}>
							{c.missed ? "missed" : c.duration_s ? `${c.duration_s} s` : c.end_reason}
						</span>
						<br />
						<time class="meta" dateTime={new Date(c.started_at).toISOString()}>
							{new Date(c.started_at).toLocaleString()}
						</time>
					</li>
				))}
			</ul>
			{next && (
				<button type="button" onClick={() => load(next)}>
					Older calls
				</button>
			)}
		</section>
	);
}
