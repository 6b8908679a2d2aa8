/**
 * Callback delivery batches events: one POST carries everything queued for a
 * URL (up to the batch limit), each call's events stay in order, and a refused
 * batch is sent again with what arrived meanwhile. Every step waits on a POST
 * actually made, never on time.
 */
import { describe, expect, it } from "vitest";
import { CallbackDelivery } from "../../src/call/delivery.ts";
import type { CallEvent } from "../../src/call/types.ts";
import { createLogger } from "../../src/log.ts";

const URL_A = "https://worker.test/v1/dialer/events";
const ev = (call: string, seq: number): CallEvent =>
	({
		call_id: call,
		seq,
		type: "ringing",
		state: "ringing",
		at: new Date(0).toISOString(),
	}) as unknown as CallEvent;
const ids = (b: CallEvent[]) => b.map((e) => `${e.call_id}#${e.seq}`);

/** A poster whose answers the test releases one by one. */
function heldPoster() {
	const posts: Array<{ url: string; events: CallEvent[]; answer: (status: number) => void }> = [];
	let arrived: (() => void) | null = null;
	const post = (url: string, events: CallEvent[]) =>
		new Promise<number>((answer) => {
			posts.push({ url, events, answer });
			arrived?.();
		});
	const nth = async (n: number) => {
		while (posts.length <= n) await new Promise<void>((r) => (arrived = r));
		return posts[n] as (typeof posts)[number];
	};
	return { post, posts, nth };
}

describe("CallbackDelivery", () => {
	it("sends what queued during a POST as one batch, in order per call", async () => {
		const p = heldPoster();
		const d = new CallbackDelivery(p.post, createLogger("silent"), {
			firstDelayMs: 1,
			maxDelayMs: 1,
			giveUpAfterMs: 60_000,
		});
		d.enqueue(URL_A, ev("a", 1));
		const first = await p.nth(0);
		expect(ids(first.events)).toEqual(["a#1"]);
		for (const e of [ev("b", 1), ev("a", 2), ev("c", 1), ev("b", 2)]) d.enqueue(URL_A, e);
		first.answer(200);
		const second = await p.nth(1);
		expect(ids(second.events)).toEqual(["b#1", "a#2", "c#1", "b#2"]);
		second.answer(204);
		await d.flush(1000);
		expect(d.pending).toBe(0);
		expect(p.posts).toHaveLength(2);
	});

	it("resends a refused batch, taking in what arrived meanwhile, and splits at the batch limit", async () => {
		const p = heldPoster();
		const d = new CallbackDelivery(
			p.post,
			createLogger("silent"),
			{ firstDelayMs: 1, maxDelayMs: 1, giveUpAfterMs: 60_000 },
			3,
		);
		d.enqueue(URL_A, ev("a", 1));
		const first = await p.nth(0);
		expect(ids(first.events)).toEqual(["a#1"]);
		d.enqueue(URL_A, ev("a", 2));
		d.enqueue(URL_A, ev("b", 1));
		d.enqueue(URL_A, ev("b", 2));
		first.answer(503);
		const retry = await p.nth(1);
		expect(ids(retry.events)).toEqual(["a#1", "a#2", "b#1"]);
		retry.answer(200);
		const rest = await p.nth(2);
		expect(ids(rest.events)).toEqual(["b#2"]);
		rest.answer(200);
		await d.flush(1000);
		expect(d.pending).toBe(0);
	});
});
