/** MediaChannel: which commands a call's media operations turn into, with no media thread. */
import { describe, expect, it } from "vitest";
import { type ChannelOwner, MediaChannel } from "../../src/rtp/media-channel.ts";
import { type MediaCommand, STATS } from "../../src/rtp/protocol.ts";

function owner() {
	const posted: MediaCommand[] = [];
	const released: MediaChannel[] = [];
	const o: ChannelOwner = {
		table: new Int32Array(new SharedArrayBuffer(2 * STATS.width * 4)),
		post: (cmd) => posted.push(cmd),
		released: (ch) => released.push(ch),
	};
	return { o, posted, released };
}
const noEvents = { finished() {}, dtmf() {}, failed() {} };

describe("MediaChannel", () => {
	it("posts remote and play; mute only when it changes (sessions start unmuted)", () => {
		const { o, posted } = owner();
		const ch = new MediaChannel(o, 7, 1, 30000, noEvents);
		ch.setRemote("127.0.0.1", 4000, 101);
		ch.setMuted(false);
		ch.play(new Uint8Array(320), "PCMU");
		expect(posted.map((c) => c.op)).toEqual(["remote", "play"]);
		ch.setMuted(true);
		ch.setMuted(true);
		ch.setMuted(false);
		expect(posted.map((c) => c.op)).toEqual(["remote", "play", "mute", "mute"]);
		expect(posted.slice(2)).toEqual([
			{ op: "mute", id: 7, muted: true },
			{ op: "mute", id: 7, muted: false },
		]);
		const play = posted[1] as Extract<MediaCommand, { op: "play" }>;
		expect(play.audio.buffer).toBeInstanceOf(SharedArrayBuffer);
	});

	it("closes once, keeps its final counts, and posts nothing after", () => {
		const { o, posted, released } = owner();
		const ch = new MediaChannel(o, 9, 1, 30002, noEvents);
		o.table[1 * STATS.width + STATS.sent] = 42;
		ch.close();
		ch.close();
		o.table[1 * STATS.width + STATS.sent] = 0; // the slot is reused by a later call
		expect(ch.stats().sent).toBe(42);
		ch.setRemote("127.0.0.1", 4000);
		ch.setMuted(true);
		ch.play(new Uint8Array(320), "PCMA");
		expect(posted).toEqual([{ op: "close", id: 9 }]);
		expect(released).toEqual([ch]);
	});
});
