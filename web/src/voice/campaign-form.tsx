import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { errorText, hatch } from "../hatch.ts";
import type { ContactList } from "./lists.tsx";
import type { Sound, Trunk } from "./trunks.tsx";
import { fields } from "./use-items.tsx";

const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const RETRYABLE = ["busy", "no_answer", "failed"] as const;
const RETRY_LABEL = { busy: "busy", no_answer: "no answer", failed: "failed" };

/** A new campaign: what to play to whom through which trunk, how fast, and when calls may be placed. */
export function CampaignForm(props: {
	trunks: Trunk[];
	sounds: Sound[];
	lists: ContactList[];
	onCreated: (id: string) => void;
}) {
	const [error, setError] = useState("");
	const [created, setCreated] = useState<{ id: string; secret: string } | null>(null);
	const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
	return (
		<form
			class="card grid-form"
			aria-labelledby="new-campaign-h"
			onSubmit={async (ev) => {
				ev.preventDefault();
				const form = ev.currentTarget as HTMLFormElement;
				const f = fields(form);
				const days = new FormData(form).getAll("day").map(Number);
				setError("");
				try {
					const body: Record<string, unknown> = {
						name: f.name,
						trunk_id: f.trunk_id,
						sound_id: f.sound_id,
						list_id: f.list_id,
						max_concurrent: Number(f.max_concurrent || 10),
						calls_per_second: Number(f.calls_per_second || 1),
						ring_timeout_s: Number(f.ring_timeout_s || 30),
					};
					const retry: Record<string, { delay_s: number; max_attempts: number }> = {};
					for (const o of RETRYABLE) {
						const attempts = Number(f[`${o}_attempts`] || 1);
						if (attempts > 1) retry[o] = { delay_s: Number(f[`${o}_delay`] || 0), max_attempts: attempts };
					}
					if (Object.keys(retry).length) body.retry = retry;
					if (f.window === "on") body.window = { time_zone: f.time_zone, days, start: f.start, end: f.end };
					if (f.on_machine)
						body.amd = {
							on_machine: f.on_machine,
							...(f.on_machine === "play_other" ? { machine_sound_id: f.machine_sound_id } : {}),
						};
					if (f.webhook_url) body.webhook_url = f.webhook_url;
					const c = await hatch.api.json<{ id: string; webhook_secret: string | null }>(
						"POST",
						"/v1/campaigns",
						{
							body,
						},
					);
					form.reset();
					// The webhook secret is returned once: show it before moving on.
					if (c.webhook_secret) setCreated({ id: c.id, secret: c.webhook_secret });
					else props.onCreated(c.id);
				} catch (e) {
					setError(errorText(e));
				}
			}}
		>
			<h2 id="new-campaign-h">New campaign</h2>
			<label>
				Campaign name <input name="name" required />
			</label>
			<Pick name="trunk_id" label="Trunk" items={props.trunks} />
			<Pick name="sound_id" label="Sound to play" items={props.sounds} />
			<Pick name="list_id" label="Contact list" items={props.lists} />
			<label>
				Concurrent calls <input name="max_concurrent" type="number" min={1} max={500} defaultValue="10" />
			</label>
			<label>
				Calls per second{" "}
				<input name="calls_per_second" type="number" min={0.01} max={200} step="any" defaultValue="1" />
			</label>
			<label>
				Ring timeout (seconds){" "}
				<input name="ring_timeout_s" type="number" min={5} max={120} defaultValue="30" />
			</label>
			<fieldset class="row">
				<legend>Retries (1 attempt: no retry)</legend>
				{RETRYABLE.map((o) => (
					<div key={o} class="row">
						<label>
							Attempts when {RETRY_LABEL[o]}{" "}
							<input name={`${o}_attempts`} type="number" min={1} max={10} defaultValue="1" size={3} />
						</label>
						<label>
							Seconds before retrying {RETRY_LABEL[o]}{" "}
							<input name={`${o}_delay`} type="number" min={0} max={604800} defaultValue="300" size={6} />
						</label>
					</div>
				))}
			</fieldset>
			<fieldset>
				<legend>Calling window</legend>
				<label class="row">
					<input type="checkbox" name="window" defaultValue="on" /> Only call inside this window
				</label>
				<label>
					Time zone <input name="time_zone" defaultValue={zone} />
				</label>
				<fieldset class="row">
					<legend>Days</legend>
					{DAYS.map((d, i) => (
						<label key={d} class="row">
							<input type="checkbox" name="day" value={String(i + 1)} defaultChecked={i < 5} /> {d}
						</label>
					))}
				</fieldset>
				<label>
					From <input name="start" type="time" defaultValue="09:00" />
				</label>
				<label>
					Until <input name="end" type="time" defaultValue="20:00" />
				</label>
			</fieldset>
			<fieldset>
				<legend>Answering machines</legend>
				<label>
					When a machine answers{" "}
					<select name="on_machine" defaultValue="">
						<option value="">do not detect (play to everyone)</option>
						<option value="hangup">hang up</option>
						<option value="play">play the sound after the beep</option>
						<option value="play_other">play another sound after the beep</option>
					</select>
				</label>
				<Pick name="machine_sound_id" label="Sound for machines (with another sound)" items={props.sounds} />
			</fieldset>
			<label>
				Webhook URL (https, optional){" "}
				<input name="webhook_url" type="url" placeholder="https://example.com/hooks" />
			</label>
			<button type="submit">Create campaign</button>
			<Alert text={error} />
			{created && (
				<div role="status" class="card">
					<p>
						Webhook secret, shown only now: <code data-testid="webhook-secret">{created.secret}</code>.
						Requests carry <code>Hatch-Signature: t=…,v1=HMAC-SHA256(secret, t + "." + body)</code>.
					</p>
					<button
						type="button"
						onClick={() => {
							const id = created.id;
							setCreated(null);
							props.onCreated(id);
						}}
					>
						I have saved it
					</button>
				</div>
			)}
		</form>
	);
}

function Pick({
	name,
	label,
	items,
}: {
	name: string;
	label: string;
	items: { id: string; name: string }[];
}) {
	return (
		<label>
			{label}
			<select name={name} required>
				{items.map((i) => (
					<option key={i.id} value={i.id}>
						{i.name}
					</option>
				))}
			</select>
		</label>
	);
}
