import { exports } from "cloudflare:workers";
import { encode } from "@msgpack/msgpack";
import { onDecodedFrames } from "../../helpers/ws-client";

export type EggFrame = { msg_type: number; [k: string]: unknown };

/** Opens an Egg socket; returns the upgrade response (status and socket). */
export function openEgg(path: string, protocol = "json") {
	return exports.default.fetch(
		new Request(`https://hatch.test/compat/egg${path}`, {
			headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": protocol },
		}),
	);
}

/**
 * A client of the Egg seed's chat protocol v1 over json or msgpack.
 *
 * @example const c = await EggClient.connect(session, "msgpack"); c.send({ msg_type: 1 });
 */
export class EggClient {
	readonly frames: EggFrame[] = [];
	private waiters: { pred: (f: EggFrame) => boolean; resolve: (f: EggFrame) => void }[] = [];

	private constructor(
		readonly ws: WebSocket,
		readonly transport: "json" | "msgpack",
	) {
		onDecodedFrames(ws, (value) => {
			const frame = value as EggFrame;
			this.frames.push(frame);
			this.waiters = this.waiters.filter((w) => {
				if (!w.pred(frame)) return true;
				w.resolve(frame);
				return false;
			});
		});
	}

	static async connect(session: string, transport: "json" | "msgpack" = "json", path = "/ws/1/chat") {
		const res = await openEgg(`/session/${session}${path}`, transport);
		if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade ${res.status} ${await res.text()}`);
		res.webSocket.accept();
		return new EggClient(res.webSocket, transport);
	}

	send(frame: Record<string, unknown>) {
		this.ws.send(this.transport === "json" ? JSON.stringify(frame) : encode(frame).slice().buffer);
	}

	sendRaw(data: string | ArrayBuffer) {
		this.ws.send(data);
	}

	/** The first frame (already received or future) of `msgType` matching `pred`. */
	waitFor(
		msgType: number,
		pred: (f: EggFrame) => boolean = () => true,
		timeoutMs = 10_000,
	): Promise<EggFrame> {
		const match = (f: EggFrame) => f.msg_type === msgType && pred(f);
		const seen = this.frames.find(match);
		if (seen) return Promise.resolve(seen);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`no ${msgType} (have ${this.frames.map((f) => f.msg_type).join(",")})`)),
				timeoutMs,
			);
			this.waiters.push({
				pred: match,
				resolve: (f) => {
					clearTimeout(timer);
					resolve(f);
				},
			});
		});
	}

	/** Sends a frame and waits for the next frame of `replyType` after it. */
	async ask(frame: Record<string, unknown>, replyType: number): Promise<EggFrame> {
		const before = this.frames.length;
		const reply = this.waitFor(replyType, (f) => this.frames.indexOf(f) >= before);
		this.send(frame);
		return reply;
	}

	close() {
		try {
			this.ws.close(1000, "bye");
		} catch {
			// closed
		}
	}
}
