import type { CallEvent, IceCandidate } from "@hatch/contract/call-frames";
import { describe, expect, it } from "vitest";
import { Calls } from "../src/calls.ts";
import { Emitter } from "../src/emitter.ts";
import type { HatchSocket } from "../src/socket.ts";

type Events = { [E in CallEvent as E["type"]]: E };

/** A hub socket that records requests and lets the test push server events. */
function fakeHub() {
	const events = new Emitter<Events>();
	const sent: { type: string }[] = [];
	return {
		events,
		sent,
		// Calls uses only `on` and `request`.
		hub: {
			on: events.on.bind(events),
			request: async <T>(frame: { type: string }) => {
				sent.push(frame);
				return {} as T;
			},
		} as unknown as HatchSocket,
	};
}

/** An RTCPeerConnection stand-in that records what the SDK hands it, in order. */
class FakePeer {
	static last: FakePeer | undefined;
	readonly calls: string[] = [];
	onicecandidate: ((ev: { candidate: null }) => void) | null = null;
	constructor(readonly config: RTCConfiguration) {
		FakePeer.last = this;
	}
	addTrack() {}
	async setRemoteDescription(d: { type: string }) {
		this.calls.push(`remote ${d.type}`);
	}
	async addIceCandidate(c: IceCandidate) {
		this.calls.push(`ice ${c.candidate}`);
	}
	async createAnswer() {
		return { type: "answer", sdp: "v=0\r\n" };
	}
	async setLocalDescription() {
		this.calls.push("local");
	}
	close() {
		this.calls.push("close");
	}
}

const offer = (candidates: IceCandidate[]): Events["call.offer"] => ({
	type: "call.offer",
	call_id: "c1",
	caller: { id: "ann", display_name: "Ann" },
	sdp: "v=0\r\n",
	turn_server: null,
	candidates,
	ring_until: Date.now() + 30_000,
});

const stream = { getTracks: () => [] } as unknown as MediaStream;
const ice = (candidate: string): Events["call.ice"] => ({
	type: "call.ice",
	call_id: "c1",
	candidate: { candidate, sdpMid: "0" },
});

describe("Calls (callee)", () => {
	it("keeps the caller's candidates that trickle in while it rings and hands them over on answer", async () => {
		const { events, hub } = fakeHub();
		const calls = new Calls(hub, { Peer: FakePeer as unknown as typeof RTCPeerConnection });
		let ringing: Parameters<Parameters<Calls["onIncoming"]>[0]>[0] | undefined;
		calls.onIncoming((c) => {
			ringing = c;
		});
		events.emit("call.offer", offer([{ candidate: "host-a", sdpMid: "0" }]));
		// The caller's relay candidate is gathered after the offer went out: it arrives while ringing.
		events.emit("call.ice", ice("relay-a"));
		events.emit("call.ice", { ...ice("other-call"), call_id: "c2" });
		expect(ringing).toBeDefined();
		await ringing?.answer(stream);
		expect(FakePeer.last?.calls).toEqual(["remote offer", "ice host-a", "ice relay-a", "local"]);
		// Later candidates go straight to the live peer connection.
		events.emit("call.ice", ice("late-a"));
		await Promise.resolve();
		expect(FakePeer.last?.calls.at(-1)).toBe("ice late-a");
	});

	it("forgets a ringing call's candidates when it ends before an answer", async () => {
		const { events, hub } = fakeHub();
		const calls = new Calls(hub, { Peer: FakePeer as unknown as typeof RTCPeerConnection });
		const rung: Parameters<Parameters<Calls["onIncoming"]>[0]>[0][] = [];
		calls.onIncoming((c) => rung.push(c));
		events.emit("call.offer", offer([]));
		events.emit("call.ice", ice("relay-a"));
		events.emit("call.bye", { type: "call.bye", call_id: "c1", code: 487, reason: "", ended_by: "caller" });
		// A new offer reusing the id (a redial cannot, but a stale buffer must not leak into any later call).
		events.emit("call.offer", offer([]));
		await rung[1]?.answer(stream);
		expect(FakePeer.last?.calls).toEqual(["remote offer", "local"]);
	});
});
