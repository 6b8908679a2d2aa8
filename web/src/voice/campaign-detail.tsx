import type { CampaignAction } from "@hatch/client";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { errorText, hatch } from "../hatch.ts";

type CallRecord = {
	call_id: string;
	number: string;
	attempt: number;
	state: string;
	outcome: string | null;
	sip_code: number | null;
	reason: string | null;
	billed_s: number | null;
	amd: "human" | "machine" | "unknown" | null;
	amd_ms: number | null;
};
const OUTCOMES = ["completed", "busy", "no_answer", "failed", "canceled"];
const ACTIONS: Record<string, CampaignAction[]> = {
	draft: ["start"],
	running: ["pause", "cancel"],
	waiting_for_window: ["pause", "cancel"],
	paused: ["resume", "cancel"],
};
const LABEL: Record<CampaignAction, string> = {
	start: "Start",
	pause: "Pause",
	resume: "Resume",
	cancel: "Cancel",
};

/**
 * One campaign: its controls, a progress bar and the calls table, both
 * live from `campaign.progress` (the table is re-read, at most once a
 * second, when the counts move), and the records filtered or exported as CSV.
 */
export function CampaignDetail({ id, name, onStatus }: { id: string; name: string; onStatus: () => void }) {
	const [status, setStatus] = useState("");
	const [opensAt, setOpensAt] = useState<string | null>(null);
	const lastEventStatus = useRef("");
	const [counts, setCounts] = useState<Record<string, number>>({});
	const [calls, setCalls] = useState<CallRecord[]>([]);
	const [filter, setFilter] = useState({ outcome: "", number: "" });
	const [error, setError] = useState("");
	const filterRef = useRef(filter);
	filterRef.current = filter;

	const query = () => {
		const q = new URLSearchParams({ page_size: "100" });
		if (filterRef.current.outcome) q.set("outcome", filterRef.current.outcome);
		if (filterRef.current.number) q.set("number", filterRef.current.number);
		return q;
	};
	// Progress events say "running" for a campaign whose window is shut; the REST view says
	// waiting_for_window and when it opens, so it is re-read whenever the status moves.
	const loadStatus = () =>
		hatch.api
			.json<{ status: string; window_opens_at: string | null }>("GET", `/v1/campaigns/${id}`)
			.then((r) => {
				setStatus(r.status);
				setOpensAt(r.window_opens_at);
			})
			.catch((e) => setError(errorText(e)));
	const loadCalls = () =>
		hatch.api
			.json<{ items: CallRecord[] }>("GET", `/v1/campaigns/${id}/calls?${query()}`)
			.then((r) => setCalls(r.items))
			.catch((e) => setError(errorText(e)));

	useEffect(() => {
		let last = 0;
		let timer: ReturnType<typeof setTimeout> | undefined;
		const refresh = () => {
			clearTimeout(timer);
			const wait = Math.max(0, last + 1000 - Date.now());
			timer = setTimeout(() => {
				last = Date.now();
				void loadCalls();
			}, wait);
		};
		const stop = hatch.campaigns
			.watch(id, (p) => {
				if (lastEventStatus.current !== p.status) {
					if (lastEventStatus.current) onStatus();
					lastEventStatus.current = p.status;
					void loadStatus();
				}
				setCounts(p.counts);
				refresh();
			})
			.catch((e) => {
				setError(errorText(e));
				return () => {};
			});
		return () => {
			clearTimeout(timer);
			void stop.then((s) => s());
		};
	}, [id]);

	const total = counts.total ?? 0;
	const done = counts.done ?? 0;
	const pct = total ? Math.round((100 * done) / total) : 0;

	return (
		<section class="card stack" aria-labelledby={`c-${id}`} data-testid="campaign">
			<h2 id={`c-${id}`}>Campaign {name}</h2>
			<p>
				Status: <strong data-testid="campaign-status">{status || "…"}</strong>
				{status === "waiting_for_window" && opensAt && (
					<span class="meta"> (the calling window opens {new Date(opensAt).toLocaleString()})</span>
				)}
			</p>
			<div class="row">
				{(ACTIONS[status] ?? []).map((a) => (
					<button
						key={a}
						type="button"
						onClick={() =>
							hatch.campaigns
								.act(id, a)
								.then(loadStatus)
								.catch((e) => setError(errorText(e)))
						}
					>
						{LABEL[a]}
					</button>
				))}
			</div>
			<label for={`bar-${id}`}>
				Progress: {done} of {total} numbers done ({pct}%)
			</label>
			<progress id={`bar-${id}`} data-testid="campaign-progress" max={100} value={pct}>
				{pct}%
			</progress>
			<p class="meta" data-testid="campaign-counts">
				{OUTCOMES.filter((o) => counts[o])
					.map((o) => `${o.replace("_", " ")}: ${counts[o]}`)
					.join(" · ") || "No outcomes yet"}
			</p>
			<Alert text={error} />
			<form
				class="row"
				aria-label="Filter call records"
				onSubmit={(ev) => {
					ev.preventDefault();
					void loadCalls();
				}}
			>
				<label for={`outcome-${id}`}>Outcome</label>
				<select
					id={`outcome-${id}`}
					value={filter.outcome}
					onChange={(e) => setFilter({ ...filter, outcome: (e.currentTarget as HTMLSelectElement).value })}
				>
					<option value="">any</option>
					{OUTCOMES.map((o) => (
						<option key={o} value={o}>
							{o.replace("_", " ")}
						</option>
					))}
				</select>
				<label for={`number-${id}`}>Number</label>
				<input
					id={`number-${id}`}
					value={filter.number}
					onInput={(e) =>
						setFilter({ ...filter, number: (e.currentTarget as HTMLInputElement).value.trim() })
					}
				/>
				<button type="submit">Filter</button>
				<button
					type="button"
					onClick={async () => {
						try {
							const res = await hatch.api.send("GET", `/v1/campaigns/${id}/calls.csv?${query()}`);
							const a = document.createElement("a");
							a.href = URL.createObjectURL(await res.blob());
							a.download = `campaign-${name}-calls.csv`;
							a.click();
							setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
						} catch (e) {
							setError(errorText(e));
						}
					}}
				>
					Export CSV
				</button>
			</form>
			{/* biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than a phone scrolls sideways, and keyboard users must reach it to scroll (axe scrollable-region-focusable) */}
			<section class="scroll-x" aria-label="Calls table" tabIndex={0}>
				<table data-testid="campaign-calls">
					<caption>Calls</caption>
					<thead>
						<tr>
							<th scope="col">Number</th>
							<th scope="col">Attempt</th>
							<th scope="col">State</th>
							<th scope="col">Outcome</th>
							<th scope="col">SIP</th>
							<th scope="col">Billed s</th>
							<th scope="col">Answered by</th>
						</tr>
					</thead>
					<tbody>
						{calls.map((c) => (
							<tr key={c.call_id}>
								<td>{c.number}</td>
								<td>{c.attempt}</td>
								<td>{c.state}</td>
								<td>{c.outcome ?? ""}</td>
								<td title={c.reason ?? ""}>{c.sip_code ?? ""}</td>
								<td>{c.billed_s ?? ""}</td>
								<td title={c.amd_ms === null ? "" : `decided in ${c.amd_ms} ms`}>{c.amd ?? ""}</td>
							</tr>
						))}
					</tbody>
				</table>
			</section>
		</section>
	);
}
