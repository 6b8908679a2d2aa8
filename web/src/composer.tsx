import type { HatchSocket } from "@hatch/client";
import { useRef, useState } from "preact/hooks";
import { errorText, hatch } from "./hatch.ts";

/** Typing box, attachments (resumable upload with progress) and send. */
export function Composer({
	chatId,
	socket,
	onError,
}: {
	chatId: string;
	/** The chat's socket once it is live; sending waits for it. */
	socket: HatchSocket | null;
	onError: (e: string) => void;
}) {
	const [upload, setUpload] = useState<number | null>(null);
	const lastTyping = useRef(0);
	const files = useRef<HTMLInputElement>(null);

	const send = async (ev: Event) => {
		ev.preventDefault();
		const form = ev.currentTarget as HTMLFormElement;
		const text = String(new FormData(form).get("text") ?? "").trim();
		const picked = [...(files.current?.files ?? [])];
		const sock = socket;
		if (!sock || (!text && !picked.length)) return;
		try {
			const ids: string[] = [];
			for (const f of picked) {
				setUpload(0);
				const info = await hatch.files.upload(f, {
					name: f.name,
					onProgress: (p) => setUpload(p.loaded / p.total),
				});
				ids.push(info.id);
			}
			setUpload(null);
			form.reset();
			await sock.sendMessage(chatId, text || picked.map((f) => f.name).join(", "), {
				attachments: ids.length ? ids : undefined,
			});
		} catch (e) {
			setUpload(null);
			onError(errorText(e));
		}
	};

	return (
		<form class="composer" aria-label="Send a message" onSubmit={send}>
			<label class="visually-hidden" for="composer-text">
				Message
			</label>
			<input
				id="composer-text"
				name="text"
				type="text"
				autocomplete="off"
				placeholder="Message"
				onInput={() => {
					if (Date.now() - lastTyping.current < 3000) return;
					lastTyping.current = Date.now();
					socket?.request({ type: "chat.typing", chat_id: chatId }).catch(() => {});
				}}
			/>
			<label for="composer-file">Attach</label>
			<input id="composer-file" ref={files} type="file" multiple />
			{upload !== null && <progress max={1} value={upload} aria-label="Uploading" />}
			<button type="submit" disabled={!socket}>
				Send
			</button>
		</form>
	);
}
