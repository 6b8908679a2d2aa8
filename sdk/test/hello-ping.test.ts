import { describe, expect, it } from "vitest";
import type { Api } from "../src/api.ts";
import { HatchSocket, type WebSocketLike } from "../src/socket.ts";

/** A WebSocket stand-in: records what the client sends; the test plays the server. */
class FakeWs implements WebSocketLike {
	static last: FakeWs | undefined;
	binaryType = "blob";
	readyState = 0;
	onopen: ((ev: unknown) => void) | null = null;
	onmessage: ((ev: { data: unknown }) => void) | null = null;
	onclose: ((ev: { code: number; reason: string }) => void) | null = null;
	onerror: ((ev: unknown) => void) | null = null;
	readonly sent: { type: string; id: number }[] = [];
	constructor(
		readonly url: string,
		readonly protocols: string[],
	) {
		FakeWs.last = this;
	}
	send(data: string | ArrayBuffer): void {
		this.sent.push(JSON.parse(String(data)));
	}
	close(): void {
		this.readyState = 3;
	}
	serve(frame: object): void {
		this.onmessage?.({ data: JSON.stringify(frame) });
	}
}

const api = {
	baseUrl: "http://127.0.0.1:1",
	json: async () => ({ ticket: "t".repeat(43) }),
} as unknown as Api;

describe("the socket's first frame", () => {
	it("is a ping right after hello when nothing else waits, so the server's close is not held open", async () => {
		const hub = new HatchSocket(api, { kind: "hub" }, { WebSocket: FakeWs });
		const ready = hub.connect();
		await expect.poll(() => FakeWs.last).toBeDefined();
		const ws = FakeWs.last as FakeWs;
		ws.readyState = 1;
		ws.onopen?.({});
		ws.serve({ type: "hello", user_id: "u", socket_id: "s", protocol: "json" });
		await ready;
		expect(ws.sent.map((f) => f.type)).toEqual(["ping"]);
		ws.serve({ type: "result", id: ws.sent[0]?.id, result: { pong: true } });
		hub.close();
	});
});
