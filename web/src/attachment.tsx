import type { Message } from "@hatch/client";
import { useEffect, useState } from "preact/hooks";
import { errorText, hatch } from "./hatch.ts";

type Att = Message["attachments"][number];

/** A file on a message: images previewed, anything downloadable with a progress bar. */
export function Attachment({ a }: { a: Att }) {
	const [preview, setPreview] = useState<string | null>(null);
	const [progress, setProgress] = useState<number | null>(null);
	const [error, setError] = useState("");

	useEffect(() => {
		if (a.deleted || !a.content_type.startsWith("image/")) return;
		let url: string | null = null;
		hatch.files
			.download(a.file_id)
			.then((b) => {
				url = URL.createObjectURL(b);
				setPreview(url);
			})
			.catch(() => {});
		return () => {
			if (url) URL.revokeObjectURL(url);
		};
	}, [a.file_id]);

	if (a.deleted) return <div class="muted">{a.name} (deleted)</div>;
	const download = async () => {
		setError("");
		try {
			const blob = await hatch.files.download(a.file_id, (p) => setProgress(p.loaded / (p.total || 1)));
			const link = document.createElement("a");
			link.href = URL.createObjectURL(blob);
			link.download = a.name;
			link.click();
			setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
		} catch (e) {
			setError(errorText(e));
		}
	};
	return (
		<div>
			{preview && <img class="preview" src={preview} alt={a.name} />}
			<button type="button" class="plain" onClick={download}>
				Download {a.name} ({Math.ceil(a.size / 1024)} KB)
			</button>
			{progress !== null && (
				<progress max={1} value={progress} aria-label={`Downloading ${a.name}`}>
					{Math.round(progress * 100)}%
				</progress>
			)}
			{error && <span class="error">{error}</span>}
		</div>
	);
}
