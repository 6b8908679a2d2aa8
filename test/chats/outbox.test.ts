import { describe, expect, it } from "vitest";
import { Outbox } from "../../durable-objects/chat-room/outbox";
import { sleep } from "../helpers/ws-client";

/** Polls until `check` holds (bounded), so a slow timer under load is not a failure. */
async function eventually(check: () => boolean, ms = 2000) {
	const end = Date.now() + ms;
	while (!check() && Date.now() < end) await sleep(5);
	return check();
}

describe("Outbox: the ChatRoom's event coalescing", () => {
	it("a quiet room delivers at once; events during the window wait and go out together, in order", async () => {
		const batches: number[][] = [];
		const outbox = new Outbox<number>((b) => batches.push(b), 20);
		outbox.push(1);
		expect(batches).toEqual([[1]]);
		outbox.push(2);
		outbox.push(3);
		expect(outbox.pending).toBe(2);
		expect(batches).toEqual([[1]]);
		expect(await eventually(() => batches.length === 2)).toBe(true);
		expect(batches).toEqual([[1], [2, 3]]);
		expect(outbox.pending).toBe(0);
		// The window after a non-empty flush is open again; after an empty one it closes.
		outbox.push(4);
		expect(outbox.pending).toBe(1);
		expect(await eventually(() => batches.length === 3)).toBe(true);
		await sleep(60);
		outbox.push(5);
		expect(batches.at(-1)).toEqual([5]);
		outbox.clear();
	});

	it("flush() delivers what is queued now; clear() drops it", () => {
		const got: string[] = [];
		const outbox = new Outbox<string>((b) => got.push(...b), 1000);
		outbox.push("a");
		outbox.push("b");
		outbox.flush();
		expect(got).toEqual(["a", "b"]);
		outbox.push("c");
		outbox.clear();
		expect(outbox.pending).toBe(0);
		outbox.flush();
		expect(got).toEqual(["a", "b"]);
		// After clear() the window is closed: the next event goes out at once.
		outbox.push("d");
		expect(got).toEqual(["a", "b", "d"]);
		outbox.clear();
	});

	it("a delivery that throws does not wedge the outbox", async () => {
		let calls = 0;
		const outbox = new Outbox<number>(() => {
			calls++;
			if (calls === 1) throw new Error("boom");
		}, 10);
		expect(() => outbox.push(1)).toThrow("boom");
		outbox.push(2);
		expect(await eventually(() => calls === 2)).toBe(true);
		outbox.clear();
	});
});
