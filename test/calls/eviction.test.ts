import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
	answeredAliceBob,
	byeOn,
	candidate,
	evict,
	history,
	hubStub,
	ringingCall,
	SDP_ANSWER,
	storedCall,
	WsClient,
} from "./helpers";

describe("call state survives Durable Object eviction", () => {
	it("mid-call: both hubs evicted, ICE still flows only between the parties and bye ends it", async () => {
		const { alice, bob, a, bs, callId } = await answeredAliceBob(2);
		const [b, bOther] = bs;
		const before = [await storedCall(alice.id), await storedCall(bob.id)];
		// A mark in memory proves the instance really is a new one afterwards.
		const mark = (id: string) =>
			runInDurableObject(hubStub(id), (hub) => void Object.assign(hub, { evictionMark: 1 }));
		const marked = (id: string) => runInDurableObject(hubStub(id), (hub) => "evictionMark" in hub);
		await mark(alice.id);
		await mark(bob.id);
		expect(await marked(alice.id)).toBe(true);
		await evict(alice.id);
		await evict(bob.id);
		expect([await marked(alice.id), await marked(bob.id)]).toEqual([false, false]);
		expect([await storedCall(alice.id), await storedCall(bob.id)]).toEqual(before);

		await a.request({ type: "call.ice", call_id: callId, candidate: candidate(1) });
		expect(await b.waitFor((f) => f.type === "call.ice")).toMatchObject({
			call_id: callId,
			candidate: candidate(1),
		});
		await b.request({ type: "call.ice", call_id: callId, candidate: candidate(2) });
		await a.waitFor((f) => f.type === "call.ice");
		expect(bOther.frames.filter((f) => f.type === "call.ice")).toEqual([]);
		expect(await bOther.call({ type: "call.ice", call_id: callId, candidate: candidate(3) })).toMatchObject({
			code: 409,
		});

		// A drop after eviction is still noticed at once.
		b.close();
		expect(await byeOn(a, callId, 5000)).toMatchObject({ code: 500, reason: "dropped", ended_by: "callee" });
		expect((await history(alice))[0]).toMatchObject({ id: callId, end_code: 500 });
		a.close();
		bOther.close();
	});

	it("while ringing: evicted hubs still connect the answer and keep the buffered candidates", async () => {
		const { alice, bob, a, b, callId } = await ringingCall();
		await a.request({ type: "call.ice", call_id: callId, candidate: candidate(4) });
		await evict(alice.id);
		await evict(bob.id);
		const late = await WsClient.connect(bob);
		expect(await late.waitFor((f) => f.type === "call.offer")).toMatchObject({
			call_id: callId,
			candidates: [candidate(4)],
		});
		await b.request({ type: "call.ack", call_id: callId });
		await a.waitFor((f) => f.type === "call.ack");
		await b.request({ type: "call.answer", call_id: callId, sdp: SDP_ANSWER });
		expect(await a.waitFor((f) => f.type === "call.answer")).toMatchObject({ sdp: SDP_ANSWER });
		expect((await byeOn(late, callId)).reason).toBe("answered_elsewhere");
		await a.request({ type: "call.bye", call_id: callId, code: 200 });
		expect((await byeOn(b, callId)).code).toBe(200);
		for (const c of [a, b, late]) c.close();
	});
});
