import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { errorText, hatch } from "../hatch.ts";
import type { Sound } from "./trunks.tsx";

/** Sounds: upload a WAV or MP3 and play any of them back (fetched with the bearer, played from a blob URL). */
export function Sounds({
	items,
	reload,
	error,
}: {
	items: Sound[];
	reload: () => Promise<void>;
	error: string;
}) {
	const [uploadError, setUploadError] = useState("");
	return (
		<section aria-labelledby="sounds-h" class="card stack">
			<h2 id="sounds-h">Sounds</h2>
			<Alert text={error} />
			<ul class="rows" data-testid="sounds">
				{items.map((s) => (
					<SoundRow key={s.id} sound={s} />
				))}
			</ul>
			<form
				class="row"
				aria-label="Upload a sound"
				onSubmit={async (ev) => {
					ev.preventDefault();
					const form = ev.currentTarget as HTMLFormElement;
					const file = (form.elements.namedItem("sound") as HTMLInputElement).files?.[0];
					if (!file) return;
					setUploadError("");
					try {
						const name = encodeURIComponent(file.name.replace(/\.[^.]+$/, "").slice(0, 100) || "sound");
						await hatch.api.json("POST", `/v1/sounds?name=${name}`, {
							body: file,
							headers: { "Content-Type": file.type || "application/octet-stream" },
						});
						form.reset();
						await reload();
					} catch (e) {
						setUploadError(errorText(e));
					}
				}}
			>
				<label for="sound-file">Sound file (WAV or MP3)</label>
				<input
					id="sound-file"
					name="sound"
					type="file"
					accept="audio/wav,audio/x-wav,audio/mpeg,.wav,.mp3"
					required
				/>
				<button type="submit">Upload sound</button>
			</form>
			<Alert text={uploadError} />
		</section>
	);
}

function SoundRow({ sound }: { sound: Sound }) {
	const [src, setSrc] = useState("");
	const [error, setError] = useState("");
	return (
		<li class="row">
			<span>
				<strong>{sound.name}</strong>{" "}
				<span class="meta">
					{sound.format}, {(sound.duration_ms / 1000).toFixed(1)} s
				</span>
			</span>
			{src ? (
				// biome-ignore lint/a11y/useMediaCaption: a recorded prompt with no speech track to caption
				<audio controls src={src} aria-label={`Play ${sound.name}`} />
			) : (
				<button
					type="button"
					onClick={async () => {
						try {
							const res = await hatch.api.send("GET", `/v1/sounds/${sound.id}/audio`);
							setSrc(URL.createObjectURL(await res.blob()));
						} catch (e) {
							setError(errorText(e));
						}
					}}
				>
					Load player for {sound.name}
				</button>
			)}
			<Alert text={error} />
		</li>
	);
}
