/**
 * bench/amd's figures: accuracy, decision time and humans cut off, for the
 * dialer on the wire, the same detector offline and the naive baseline, all on
 * one run's greetings. Prints Markdown and writes bench/results/amd.{json,md}.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Item } from "./corpus.ts";
import type { Verdict } from "./offline.ts";

type Row = { item: Item; live: Verdict & { outcome: string }; offline: Verdict; naive: Verdict };
type Meta = { perLabel: number; parallel: number; loads: { start: number; end: number }; node: string };

const pct = (xs: number[], p: number) => {
	const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
	return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : Number.NaN;
};

/** The figures of one classifier over the rows. */
function score(rows: Row[], pick: (r: Row) => Verdict) {
	const of = (label: string) => rows.filter((r) => r.item.label === label);
	const right = (rs: Row[]) => rs.filter((r) => pick(r).result === r.item.label).length;
	const ms = rows.map((r) => pick(r).ms);
	// A human is cut off when a machine verdict (hang up) comes before they stop talking.
	const cutOff = of("human").filter((r) => {
		const v = pick(r);
		const lastWord = r.item.speech[r.item.speech.length - 1]?.[1] ?? 0;
		return v.result === "machine" && v.ms < lastWord;
	});
	return {
		accuracy: right(rows) / rows.length,
		human: { right: right(of("human")), of: of("human").length },
		machine: { right: right(of("machine")), of: of("machine").length },
		unknown: rows.filter((r) => pick(r).result === "unknown").length,
		decisionMs: { p50: pct(ms, 0.5), p95: pct(ms, 0.95), max: pct(ms, 1) },
		within3_5s: ms.filter((m) => m <= 3500).length,
		humansCutOff: cutOff.map((r) => r.item.name),
		misses: rows
			.filter((r) => pick(r).result !== r.item.label)
			.map((r) => `${r.item.name}→${pick(r).result}`),
	};
}

/** Print and write the results. */
export function report(rows: Row[], meta: Meta): void {
	rows.sort((a, b) => a.item.name.localeCompare(b.item.name, "en", { numeric: true }));
	const live = score(rows, (r) => r.live);
	const offline = score(rows, (r) => r.offline);
	const base = score(rows, (r) => r.naive);
	const agree = rows.filter((r) => r.live.result === r.offline.result).length;
	const f = (n: number) => (Number.isFinite(n) ? String(Math.round(n)) : "n/a");
	const line = (name: string, s: ReturnType<typeof score>) =>
		`| ${name} | ${(s.accuracy * 100).toFixed(1)} % | ${s.human.right}/${s.human.of} | ${s.machine.right}/${s.machine.of} | ${s.unknown} | ${f(s.decisionMs.p50)} / ${f(s.decisionMs.p95)} / ${f(s.decisionMs.max)} | ${s.within3_5s}/${rows.length} | ${s.humansCutOff.length} |`;
	const cpu = readFileSync("/proc/cpuinfo", "utf8");
	const md = [
		`# AMD bench (${new Date().toISOString()})`,
		"",
		`${rows.length} greetings (${meta.perLabel} human, ${meta.perLabel} machine; espeak-ng voices, sox silence, noise and beeps, made in this run), each answered by sipp playing it as RTP from a pcap; one dialer called them all with \`amd: {on_machine: "hangup"}\`, ${meta.parallel} at a time, on loopback. ${cpu.match(/model name\s*:\s*(.*)/)?.[1] ?? ""}, ${cpu.match(/^processor/gm)?.length ?? "?"} CPUs, node ${meta.node}; 1-min load ${meta.loads.start.toFixed(2)} at start, ${meta.loads.end.toFixed(2)} at the end (the machine is shared: timings are provisional).`,
		"",
		"| classifier | accuracy | humans right | machines right | unknown | decision ms p50 / p95 / max | decided ≤ 3.5 s | humans cut off |",
		"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
		line("dialer, on the wire", live),
		line("same detector, offline", offline),
		line("baseline: > 2 s of voice in 5 s", base),
		"",
		`The wire and offline verdicts agree on ${agree} of ${rows.length}. Misses on the wire: ${live.misses.join(", ") || "none"}; baseline misses: ${base.misses.join(", ") || "none"}.`,
		"",
		`Targets (on the wire): accuracy ≥ 90 % ${live.accuracy >= 0.9 ? "met" : "NOT met"} (${(live.accuracy * 100).toFixed(1)} %); decision ≤ 3.5 s ${live.within3_5s === rows.length ? "met" : "NOT met"} (max ${f(live.decisionMs.max)} ms); no human cut off mid-sentence ${live.humansCutOff.length === 0 ? "met" : `NOT met (${live.humansCutOff.join(", ")})`}.`,
		"",
	].join("\n");
	console.log(md);
	const dir = fileURLToPath(new URL("../results/", import.meta.url));
	const perItem = rows.map((r) => ({
		name: r.item.name,
		label: r.item.label,
		beep: r.item.beep,
		speech_ms: r.item.speech.map(([a, b]) => [Math.round(a), Math.round(b)]),
		live: r.live,
		offline: r.offline,
		naive: r.naive,
	}));
	writeFileSync(
		join(dir, "amd.json"),
		`${JSON.stringify({ at: new Date().toISOString(), ...meta, live, offline, baseline: base, items: perItem }, null, 2)}\n`,
	);
	writeFileSync(join(dir, "amd.md"), md);
}
