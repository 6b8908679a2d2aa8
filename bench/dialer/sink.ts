/**
 * The independent RTP receiver of the bench: one UDP socket that every call's
 * media is sent to. It drains packets (so nothing bounces as ICMP) and keeps
 * its own user-space arrival statistics per stream as a cross-check of the
 * kernel-timestamped capture. Run as a child process with IPC.
 */
import dgram from "node:dgram";

interface Stream {
	last: number;
	lastSeq: number;
	packets: number;
}

let streams = new Map<string, Stream>();
let deviations: number[] = [];
let packets = 0;
let firstAt = Number.POSITIVE_INFINITY;
let lastFirstAt = 0;

const socket = dgram.createSocket({ type: "udp4", recvBufferSize: 16 * 1024 * 1024 });
socket.on("message", (buf, rinfo) => {
	const now = performance.now();
	if (buf.length < 12) return;
	packets++;
	const seq = (buf[2] << 8) | buf[3];
	const key = `${rinfo.port}/${buf.readUInt32BE(8)}`;
	const s = streams.get(key);
	if (!s) {
		streams.set(key, { last: now, lastSeq: seq, packets: 1 });
		if (now < firstAt) firstAt = now;
		lastFirstAt = now;
		return;
	}
	// Only consecutive packets measure pacing; a gap is loss, not jitter.
	if (((seq - s.lastSeq) & 0xffff) === 1 && deviations.length < 5_000_000)
		deviations.push(Math.abs(now - s.last - 20));
	s.last = now;
	s.lastSeq = seq;
	s.packets++;
});
socket.bind(0, "127.0.0.1", () => {
	process.send?.({ type: "ready", port: socket.address().port });
});

process.on("message", (msg: { type: string }) => {
	if (msg.type === "reset") {
		streams = new Map();
		deviations = [];
		packets = 0;
		firstAt = Number.POSITIVE_INFINITY;
		lastFirstAt = 0;
		process.send?.({ type: "reset-done" });
	} else if (msg.type === "streams") {
		process.send?.({ type: "streams", streams: streams.size, packets });
	} else if (msg.type === "report") {
		const sorted = Float64Array.from(deviations).sort();
		const pct = (p: number) =>
			sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0;
		process.send?.({
			type: "report",
			packets,
			streams: streams.size,
			intervals: sorted.length,
			p50: pct(0.5),
			p99: pct(0.99),
			p999: pct(0.999),
			max: sorted.length ? sorted[sorted.length - 1] : 0,
			firstStreamSpanMs: lastFirstAt - firstAt,
			cpu: process.cpuUsage(),
		});
	} else if (msg.type === "exit") {
		socket.close();
		process.exit(0);
	}
});
