import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { errorText, hatch } from "../hatch.ts";
import { fields } from "./use-items.tsx";

export type Trunk = {
	id: string;
	name: string;
	host: string;
	port: number;
	transport: string;
	caller_id: string | null;
	last_test: Record<string, unknown> | null;
};
export type Sound = { id: string; name: string; format: string; duration_ms: number };

const ENDED = new Set(["completed", "busy", "no_answer", "failed", "canceled"]);

/** SIP trunks: add one, and place a test call through it, following its `last_test` to the end. */
export function Trunks({
	items,
	reload,
	error,
	sounds,
}: {
	items: Trunk[];
	reload: () => Promise<void>;
	error: string;
	sounds: Sound[];
}) {
	const [formError, setFormError] = useState("");
	return (
		<section aria-labelledby="trunks-h" class="card stack">
			<h2 id="trunks-h">SIP trunks</h2>
			<Alert text={error} />
			<ul class="rows" data-testid="trunks">
				{items.map((t) => (
					<TrunkRow key={t.id} trunk={t} sounds={sounds} />
				))}
			</ul>
			<form
				class="grid-form"
				aria-label="Add a trunk"
				onSubmit={async (ev) => {
					ev.preventDefault();
					const form = ev.currentTarget as HTMLFormElement;
					const f = fields(form);
					setFormError("");
					try {
						await hatch.api.json("POST", "/v1/sip-trunks", {
							body: {
								name: f.name,
								host: f.host,
								port: Number(f.port || 5060),
								transport: f.transport,
								username: f.username || null,
								password: f.password || null,
								caller_id: f.caller_id || null,
							},
						});
						form.reset();
						await reload();
					} catch (e) {
						setFormError(errorText(e));
					}
				}}
			>
				<label>
					Trunk name <input name="name" required />
				</label>
				<label>
					Gateway host <input name="host" required placeholder="sip.example.com" />
				</label>
				<label>
					Gateway port <input name="port" type="number" min={1} max={65535} placeholder="5060" />
				</label>
				<label>
					Transport
					<select name="transport">
						<option value="udp">UDP</option>
						<option value="tcp">TCP</option>
						<option value="tls">TLS</option>
					</select>
				</label>
				<label>
					SIP username <input name="username" autocomplete="off" />
				</label>
				<label>
					SIP password <input name="password" type="password" autocomplete="new-password" />
				</label>
				<label>
					Caller id <input name="caller_id" placeholder="+14155550000" />
				</label>
				<button type="submit">Add trunk</button>
				<Alert text={formError} />
			</form>
		</section>
	);
}

function describe(t: Record<string, unknown> | null): string {
	if (!t) return "";
	const parts = [`Test call to ${String(t.to)}: ${String(t.state)}`];
	if (t.sip_code !== undefined) parts.push(`SIP ${String(t.sip_code)}`);
	if (t.reason) parts.push(String(t.reason));
	return parts.join(" · ");
}

function TrunkRow({ trunk, sounds }: { trunk: Trunk; sounds: Sound[] }) {
	const [test, setTest] = useState(trunk.last_test);
	const [error, setError] = useState("");
	const [busy, setBusy] = useState(false);
	const id = `test-${trunk.id}`;
	return (
		<li class="stack">
			<strong>{trunk.name}</strong>
			<span class="meta">
				{trunk.host}:{trunk.port} ({trunk.transport}){trunk.caller_id ? `, from ${trunk.caller_id}` : ""}
			</span>
			<form
				class="row"
				aria-label={`Test call through ${trunk.name}`}
				onSubmit={async (ev) => {
					ev.preventDefault();
					const f = fields(ev.currentTarget as HTMLFormElement);
					setError("");
					setBusy(true);
					try {
						const started = await hatch.api.json<{ call_id: string }>(
							"POST",
							`/v1/sip-trunks/${trunk.id}/test-call`,
							{ body: { to: f.to, sound_id: f.sound_id } },
						);
						// The dialer reports into the trunk's last_test; follow it (bounded: 2 minutes).
						for (let i = 0; i < 240; i++) {
							const t = await hatch.api.json<Trunk>("GET", `/v1/sip-trunks/${trunk.id}`);
							setTest(t.last_test);
							if (t.last_test?.call_id === started.call_id && ENDED.has(String(t.last_test.state))) break;
							await new Promise((r) => setTimeout(r, 500));
						}
					} catch (e) {
						setError(errorText(e));
					} finally {
						setBusy(false);
					}
				}}
			>
				<label for={`${id}-to`}>Number to test</label>
				<input id={`${id}-to`} name="to" required placeholder="+14155550101" />
				<label for={`${id}-sound`}>Sound</label>
				<select id={`${id}-sound`} name="sound_id" required>
					{sounds.map((s) => (
						<option key={s.id} value={s.id}>
							{s.name}
						</option>
					))}
				</select>
				<button type="submit" disabled={busy || sounds.length === 0}>
					Test call
				</button>
			</form>
			<output data-testid="test-result" aria-live="polite">
				{describe(test)}
			</output>
			<Alert text={error} />
		</li>
	);
}
