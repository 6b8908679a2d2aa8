import type { SupportConversation, SupportMessage } from "@hatch/contract/support-frames";
import { hatch } from "../hatch.ts";

export type DeskEvent =
	| { type: "support.message"; conversation_id: string; message: SupportMessage }
	| { type: "support.conversation"; conversation: SupportConversation; change: string };

/**
 * The support desk's socket (GET /v1/support/ws, json): events only; the
 * views act over REST. Reconnects after a drop (1 s, doubling to 30 s) until
 * closed, and calls `onOpen` on every (re)connect so the view re-reads what
 * it may have missed.
 */
export function openDesk(onEvent: (e: DeskEvent) => void, onOpen: () => void): () => void {
	let ws: WebSocket | null = null;
	let closed = false;
	let delay = 1000;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const connect = async () => {
		if (closed) return;
		try {
			const { ticket } = await hatch.api.json<{ ticket: string }>("POST", "/v1/ws/ticket");
			const base = location.origin.replace(/^http/, "ws");
			ws = new WebSocket(`${base}/v1/support/ws?ticket=${encodeURIComponent(ticket)}`, ["json"]);
			ws.onopen = () => {
				delay = 1000;
				onOpen();
			};
			ws.onmessage = (m) => {
				const f = JSON.parse(String(m.data)) as { type: string };
				if (f.type === "support.message" || f.type === "support.conversation") onEvent(f as DeskEvent);
			};
			ws.onclose = () => retry();
		} catch {
			retry();
		}
	};
	const retry = () => {
		if (closed) return;
		clearTimeout(timer);
		timer = setTimeout(connect, delay);
		delay = Math.min(delay * 2, 30_000);
	};
	void connect();
	return () => {
		closed = true;
		clearTimeout(timer);
		ws?.close();
	};
}
