/**
 * A call with answering-machine detection (Call + SoundPlan), over real UDP
 * with its media recorded: on answer it listens and plays nothing; a human or
 * unknown hears the sound at the decision; a machine is hung up on (BYE, reason
 * "answering machine"), or hears the sound or another one only after its
 * greeting; the final event carries amd and amd_ms. Without detection nothing
 * changes.
 */
import { describe, expect, it } from "vitest";
import { agentAndPeer, answeredCall, isRequest, soundOf } from "./call-harness.ts";

const t = agentAndPeer();

const final = (events: { type: string }[]) => events[events.length - 1];

describe("a call with answering-machine detection", () => {
	it("listens on answer, and a human hears the sound at the decision", async () => {
		const { call, log, events } = await answeredCall(t.agent, t.peer, {
			callId: "amd-human",
			amd: { onMachine: "hangup" },
		});
		expect(log).toEqual(["remote 127.0.0.1:7000", "muted false", "listen"]);
		call.amdDecided("human", 1700);
		expect(log.slice(3)).toEqual(["play PCMU 1"]);
		// A second decision, or a greeting's end, changes nothing.
		call.amdDecided("machine", 2000);
		call.greetingEnded();
		expect(log.slice(4)).toEqual([]);
		call.hangup();
		expect(final(events)).toMatchObject({ type: "completed", amd: "human", amd_ms: 1700 });
	});

	it("an unknown far end hears the sound too", async () => {
		const { call, log, events } = await answeredCall(t.agent, t.peer, {
			callId: "amd-unknown",
			amd: { onMachine: "hangup" },
		});
		call.amdDecided("unknown", 2500);
		expect(log.at(-1)).toBe("play PCMU 1");
		call.hangup();
		expect(final(events)).toMatchObject({ amd: "unknown", amd_ms: 2500 });
	});

	it("hangs up on a machine when told to: BYE, completed with reason 'answering machine'", async () => {
		const { call, log, events } = await answeredCall(t.agent, t.peer, {
			callId: "amd-hangup",
			amd: { onMachine: "hangup" },
		});
		call.amdDecided("machine", 1800);
		await t.peer.next(isRequest("BYE"));
		expect(log.filter((l) => l.startsWith("play"))).toEqual([]);
		expect(call.state).toBe("completed");
		expect(final(events)).toMatchObject({
			type: "completed",
			reason: "answering machine",
			amd: "machine",
			amd_ms: 1800,
		});
	});

	it("plays the sound to a machine only after its greeting (the beep)", async () => {
		const { call, log, events } = await answeredCall(t.agent, t.peer, {
			callId: "amd-play",
			amd: { onMachine: "play" },
		});
		call.amdDecided("machine", 1900);
		expect(log.filter((l) => l.startsWith("play"))).toEqual([]);
		call.greetingEnded();
		expect(log.at(-1)).toBe("play PCMU 1");
		call.hangup();
		expect(final(events)).toMatchObject({ amd: "machine", amd_ms: 1900 });
	});

	it("plays the other sound to a machine after its greeting, in the call's law", async () => {
		const { call, log } = await answeredCall(
			t.agent,
			t.peer,
			{ callId: "amd-other", codecs: ["PCMA"], amd: { onMachine: "play_other", machineAudio: soundOf(7) } },
			"v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 8\r\n",
		);
		call.amdDecided("machine", 2000);
		call.greetingEnded();
		expect(log.at(-1)).toBe("play PCMA 8");
		call.hangup();
	});

	it("records unknown, at the call's end, when the far end hangs up before a decision", async () => {
		const { call, events } = await answeredCall(t.agent, t.peer, {
			callId: "amd-early",
			amd: { onMachine: "hangup" },
		});
		call.hangup();
		const done = final(events) as { amd?: string; amd_ms?: number; talk_ms?: number };
		expect(done).toMatchObject({ type: "completed", amd: "unknown" });
		expect(done.amd_ms).toBe(done.talk_ms);
	});

	it("without detection: plays at once, and the record has no amd fields", async () => {
		const { call, log, events } = await answeredCall(t.agent, t.peer, { callId: "amd-off" });
		expect(log).toEqual(["remote 127.0.0.1:7000", "muted false", "play PCMU 1"]);
		call.amdDecided("machine", 100);
		call.greetingEnded();
		expect(log).toHaveLength(3);
		call.hangup();
		expect(final(events)).not.toHaveProperty("amd");
		expect(final(events)).not.toHaveProperty("amd_ms");
	});
});
