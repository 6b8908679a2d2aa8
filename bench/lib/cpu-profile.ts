// Samples workerd's JavaScript through the inspector port `wrangler dev`
// opens (Chrome DevTools Protocol, Profiler domain) and sums self time by
// function, so a bench can say where the CPU of its Worker and Durable
// Objects goes. Sampling costs a little CPU itself: profile a separate run
// from the one whose CPU per call is reported.
import WebSocket from "ws";

type Node = {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

/** One line of the summary: a function (file:line) and its self time. */
export type Hotspot = { fn: string; self_ms: number; share: number };

/**
 * Starts sampling every `intervalUs` µs; `stop()` returns the top functions by self time.
 *
 * @example const p = await startProfile(9601); …; const top = await p.stop(25);
 */
export async function startProfile(inspectorPort: number, intervalUs = 500) {
	const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
		webSocketDebuggerUrl: string;
	}[];
	const url = targets[0]?.webSocketDebuggerUrl;
	if (!url) throw new Error(`no inspector target on ${inspectorPort}`);
	const ws = new WebSocket(url);
	await new Promise<void>((ok, fail) => {
		ws.once("open", () => ok());
		ws.once("error", fail);
	});
	let next = 1;
	const waiting = new Map<number, (r: unknown) => void>();
	ws.on("message", (data) => {
		const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
		if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
	});
	const send = <T>(method: string, params: Record<string, unknown> = {}) =>
		new Promise<T>((ok, fail) => {
			const id = next++;
			const timer = setTimeout(() => fail(new Error(`${method}: no answer`)), 60_000);
			waiting.set(id, (r) => {
				clearTimeout(timer);
				ok(r as T);
			});
			ws.send(JSON.stringify({ id, method, params }));
		});
	await send("Profiler.enable");
	await send("Profiler.setSamplingInterval", { interval: intervalUs });
	await send("Profiler.start");
	return {
		async stop(top = 30): Promise<{ total_ms: number; idle_ms: number; hotspots: Hotspot[] }> {
			const { profile } = await send<{ profile: Profile }>("Profiler.stop");
			ws.close();
			return summarize(profile, top);
		},
	};
}

/** Self time per function (µs deltas attributed to the sampled node). */
export function summarize(p: Profile, top: number) {
	const byId = new Map(p.nodes.map((n) => [n.id, n]));
	const self = new Map<string, number>();
	let total = 0;
	let idle = 0;
	p.samples.forEach((id, i) => {
		const dt = (p.timeDeltas[i] ?? 0) / 1000;
		const n = byId.get(id);
		if (!n) return;
		const { functionName, url, lineNumber } = n.callFrame;
		if (functionName === "(idle)") {
			idle += dt;
			return;
		}
		total += dt;
		const file = url.split("/").slice(-2).join("/");
		const key = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
		self.set(key, (self.get(key) ?? 0) + dt);
	});
	const hotspots = [...self]
		.sort((a, b) => b[1] - a[1])
		.slice(0, top)
		.map(([fn, ms]) => ({ fn, self_ms: Math.round(ms), share: Math.round((ms / total) * 1000) / 1000 }));
	return { total_ms: Math.round(total), idle_ms: Math.round(idle), hotspots };
}
