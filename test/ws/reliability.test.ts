import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomOf } from "../../src/domain/chats/deps";
import { activeGroup } from "../chats/helpers";
import { api } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { type Frame, sleep, WsClient } from "../helpers/ws-client";

/** Small seeded PRNG (mulberry32) so a failing run can be replayed. */
function rng(seed: number) {
	let a = seed;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/**
 * One device that keeps a log of the chat and reconnects when dropped,
 * resuming from the last seq it holds. It records every message frame it is
 * given, so duplicates or holes show up in `log` and `anomalies`. A
 * subscribe replays everything after its `after_seq`, so a socket may step
 * back, but only to the first seq a subscribe asked for; from there its
 * messages come once each, in order.
 */
class Device {
	log: number[] = [];
	anomalies: string[] = [];
	holes: string[] = [];
	ws: WsClient | null = null;
	reconnects = 0;
	/** The highest seq the current socket has given, and where its pending subscribes restart. */
	private socketTop = 0;
	private restarts: number[] = [];
	private syncing = false;

	constructor(
		readonly user: TestUser,
		readonly chatId: string,
		readonly transport: "json" | "msgpack",
	) {}

	get last() {
		return this.log[this.log.length - 1] ?? 0;
	}

	async connect() {
		const ws = await WsClient.connect(this.user, { transport: this.transport });
		this.ws = ws;
		this.socketTop = 0;
		this.restarts = [];
		ws.onFrame = (f: Frame) => {
			if (this.ws !== ws || f.type !== "message.new" || f.chat_id !== this.chatId) return;
			const seq = f.seq as number;
			const restart = seq <= this.socketTop && this.restarts.includes(seq);
			if (restart) this.restarts = this.restarts.filter((r) => r !== seq);
			const stepBack = seq <= this.socketTop && !restart;
			this.socketTop = restart ? seq : Math.max(this.socketTop, seq);
			if (seq === this.last + 1) this.log.push(seq);
			else if (seq <= this.last) {
				if (!stepBack) return; // asked for again by a subscribe: the device already holds it
				const i = ws.frames.indexOf(f);
				const ctx = ws.frames
					.slice(Math.max(0, i - 12), i + 1)
					.map(
						(x) =>
							`${x.type}:${x.seq ?? x.id ?? ""}${x.type === "result" ? JSON.stringify(x.result).slice(0, 80) : ""}`,
					);
				this.anomalies.push(
					`duplicate ${seq} after ${this.last} socket#${this.reconnects} ctx ${ctx.join(" ")}`,
				);
			} else {
				this.holes.push(`${seq} after ${this.last}${this.syncing ? " (syncing)" : ""}`);
				if (!this.syncing) void this.sync(); // a hole: ask for what is missing
			}
		};
		await this.sync();
	}

	/** Subscribes from the last seq held, repeating while the server says there is more. */
	async sync() {
		const ws = this.ws;
		if (!ws) return;
		this.syncing = true;
		try {
			for (let i = 0; i < 20; i++) {
				this.restarts.push(this.last + 1);
				const r = await ws.request<{ more: boolean }>({
					type: "chat.subscribe",
					chat_id: this.chatId,
					after_seq: this.last,
				});
				if (!r.more) break;
			}
		} finally {
			this.syncing = false;
		}
	}

	drop() {
		const ws = this.ws;
		this.ws = null;
		ws?.close();
		this.reconnects++;
	}
}

describe("reliability under random disconnects", () => {
	it("every device ends with every message exactly once, in seq order", { timeout: 120_000 }, async () => {
		const random = rng(20261122);
		const users = await Promise.all([1, 2, 3, 4].map(() => createTestUser()));
		const [a, b, c, d] = users as [TestUser, TestUser, TestUser, TestUser];
		const chatId = await activeGroup(a, [b, c, d]);
		const devices = users.flatMap((u, i) => [
			new Device(u, chatId, "json"),
			new Device(u, chatId, i % 2 ? "msgpack" : "json"),
		]);
		for (const dev of devices) await dev.connect();

		const PER_SENDER = 60;
		const senders = [a, b, c].map(async (u, si) => {
			for (let i = 0; i < PER_SENDER; i++) {
				const res = await api(`/v1/chats/${chatId}/messages`, {
					method: "POST",
					headers: u.auth,
					json: { client_id: `s${si}-${i}`, text: `m ${si}/${i}` },
				});
				if (res.status !== 201) throw new Error(`send ${res.status}`);
				if (random() < 0.3) await sleep(Math.floor(random() * 15));
			}
		});
		let sending = true;
		let evictions = 0;
		let round = 0;
		const chaos = (async () => {
			const deadline = Date.now() + 90_000;
			while (sending && Date.now() < deadline) {
				await sleep(20 + Math.floor(random() * 60));
				if (++round % 7 === 0) {
					// Now and then the chat's Durable Object is torn down mid-flow (its queues go with it).
					await evictDurableObject(roomOf(env, chatId)).catch(() => {});
					evictions++;
					continue;
				}
				const dev = devices[Math.floor(random() * devices.length)];
				if (!dev?.ws) continue;
				dev.drop();
				await sleep(Math.floor(random() * 80));
				await dev.connect();
			}
		})();
		await Promise.all(senders);
		sending = false;
		await chaos;

		const total = PER_SENDER * 3;
		const deadline = Date.now() + 20_000;
		while (devices.some((dv) => dv.last < total) && Date.now() < deadline) {
			await sleep(50);
			for (const dv of devices) if (dv.last < total && dv.ws) await dv.sync();
		}
		const expected = Array.from({ length: total }, (_, i) => i + 1);
		for (const dev of devices) {
			expect(dev.anomalies, `${dev.user.id} holes: ${dev.holes.join(", ")}`).toEqual([]);
			expect(dev.log).toEqual(expected);
		}
		expect(devices.reduce((n, dv) => n + dv.reconnects, 0)).toBeGreaterThan(5);
		expect(evictions).toBeGreaterThan(0);
		for (const dev of devices) dev.ws?.close();
	});
});
