import { useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { errorText, hatch, type Me } from "./hatch.ts";

type Session = {
	id: string;
	user_agent: string | null;
	created_at: string;
	last_used_at: string | null;
	current: boolean;
};

/** Profile (theme, text size) and devices: sign out one, or everywhere. */
export function Settings({
	me,
	onChange,
	onSignedOut,
}: {
	me: Me;
	onChange: (m: Me) => void;
	onSignedOut: () => void;
}) {
	const [sessions, setSessions] = useState<Session[]>([]);
	const [error, setError] = useState("");
	const load = () =>
		hatch.api
			.json<{ items: Session[] }>("GET", "/v1/me/sessions")
			.then((r) => setSessions(r.items))
			.catch((e) => setError(errorText(e)));
	useEffect(() => void load(), []);

	const patch = async (body: Partial<Me>) => {
		try {
			onChange(await hatch.api.json<Me>("PATCH", "/v1/me", { body }));
		} catch (e) {
			setError(errorText(e));
		}
	};

	return (
		<section class="card stack" aria-label="Settings">
			<h2>Settings</h2>
			<label for="theme">Theme</label>
			<select
				id="theme"
				value={me.theme}
				onChange={(e) => patch({ theme: (e.target as HTMLSelectElement).value as Me["theme"] })}
			>
				<option value="day">Day</option>
				<option value="night">Night</option>
			</select>
			<label for="magnification">Text size</label>
			<select
				id="magnification"
				value={String(me.magnification)}
				onChange={(e) => patch({ magnification: Number((e.target as HTMLSelectElement).value) })}
			>
				{[0.8, 0.9, 1, 1.1, 1.2, 1.4].map((m) => (
					<option key={m} value={String(m)}>
						{Math.round(m * 100)}%
					</option>
				))}
			</select>
			<h3>Devices</h3>
			<ul>
				{sessions.map((s) => (
					<li key={s.id}>
						{s.user_agent ?? "Unknown device"} {s.current && "(this device)"}{" "}
						<button
							type="button"
							class="plain"
							onClick={async () => {
								if (s.current) return onSignedOut();
								await hatch.api
									.json("DELETE", `/v1/me/sessions/${s.id}`)
									.catch((e) => setError(errorText(e)));
								void load();
							}}
						>
							Sign out
						</button>
					</li>
				))}
			</ul>
			<button
				type="button"
				onClick={async () => {
					await hatch.api.json("POST", "/v1/me/sessions/revoke-all").catch(() => {});
					hatch.auth.session && hatch.api.clear();
					onSignedOut();
				}}
			>
				Sign out everywhere
			</button>
			<Alert text={error} />
		</section>
	);
}
