/**
 * The labelled set of bench/amd, made at run time (never committed as audio):
 * human answers (short phrases, some repeated after a pause) and answering
 * machines (long greetings, most ending in a beep), spoken by espeak-ng in
 * several voices and speeds, resampled to 8 kHz by sox, with sox's silence,
 * background noise and sine beeps around them. Each item knows where its speech
 * is, so a run can tell whether a human was cut off mid-sentence.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const RATE = 8000;

/** One greeting: its 8 kHz samples, its label, and its speech intervals (ms). */
export interface Item {
	name: string;
	label: "human" | "machine";
	pcm: Int16Array;
	speech: Array<[number, number]>;
	beep: boolean;
}

const dir = mkdtempSync(join(tmpdir(), "hatch-amd-corpus-"));

/** Raw signed 16-bit mono 8 kHz from sox (`args` after the input). */
function sox(input: string[], effects: string[]): Int16Array {
	const out = execFileSync(
		"sox",
		[
			...input,
			"-t",
			"raw",
			"-e",
			"signed-integer",
			"-b",
			"16",
			"-c",
			"1",
			"-r",
			String(RATE),
			"-",
			...effects,
		],
		{
			maxBuffer: 64 * 1024 * 1024,
		},
	);
	return new Int16Array(out.buffer, out.byteOffset, out.byteLength / 2);
}

let n = 0;
/** espeak-ng speaking `text`, at 8 kHz, with its leading and trailing silence trimmed. */
function speak(text: string, voice: string, speed: number, pitch: number): Int16Array {
	const wav = join(dir, `s${n++}.wav`);
	execFileSync("espeak-ng", ["-v", voice, "-s", String(speed), "-p", String(pitch), "-w", wav, text]);
	// silence 1 0.02 1%: drop what precedes the first sound; reverse twice for the tail.
	return sox(
		[wav],
		["silence", "1", "0.02", "1%", "reverse", "silence", "1", "0.02", "1%", "reverse", "vol", "0.8"],
	);
}

const silence = (ms: number) => new Int16Array(Math.round((ms * RATE) / 1000));
const beep = (ms: number, hz: number) =>
	sox(["-n"], ["synth", String(ms / 1000), "sine", String(hz), "vol", "0.35"]);
const noise = (ms: number, vol: number) =>
	sox(["-n"], ["synth", String(ms / 1000), "pinknoise", "vol", String(vol)]);

type Piece = { say: string } | { pause: number } | { beep: number; hz: number };

/** Lay the pieces out, mix in noise, note where speech is. */
function build(
	name: string,
	label: Item["label"],
	pieces: Piece[],
	v: { voice: string; speed: number; pitch: number; noise: number },
): Item {
	const parts: Int16Array[] = [];
	const speech: Array<[number, number]> = [];
	let at = 0;
	let hasBeep = false;
	for (const p of pieces) {
		const part =
			"say" in p
				? speak(p.say, v.voice, v.speed, v.pitch)
				: "pause" in p
					? silence(p.pause)
					: beep(p.beep, p.hz);
		if ("say" in p) speech.push([at, at + (part.length * 1000) / RATE]);
		if ("beep" in p) hasBeep = true;
		parts.push(part);
		at += (part.length * 1000) / RATE;
	}
	const total = parts.reduce((s, p) => s + p.length, 0);
	const pcm = new Int16Array(total);
	let o = 0;
	for (const p of parts) {
		pcm.set(p, o);
		o += p.length;
	}
	const bg = noise((total * 1000) / RATE + 100, v.noise);
	for (let i = 0; i < total; i++) pcm[i] = Math.max(-32768, Math.min(32767, pcm[i] + (bg[i] ?? 0)));
	return { name, label, pcm, speech, beep: hasBeep };
}

const VOICES = ["en-us", "en-gb", "en-us+f3", "en+m3", "en-gb+f2", "en-us+m5", "en+f4", "en-029"];
const HUMAN = [
	"Hello?",
	"Hello.",
	"Yes?",
	"Hi.",
	"Yeah, hello?",
	"Hello, who is this?",
	"Yes, who is this?",
	"Hi, this is Sam.",
	"Speaking.",
	"Good morning.",
	"Who's calling?",
	"Hey.",
	"This is Maria.",
	"Hello, yes?",
	"Hi there.",
	"Yes, hello.",
];
const MACHINE = [
	"Hi, you've reached John. I can't take your call right now. Please leave a message after the tone.",
	"Hello, this is Maria. Sorry I missed your call. Leave your name and number and I'll call you back.",
	"The person you are trying to reach is not available. Please leave a message after the tone.",
	"You have reached the voicemail of five five five, zero one two three. Please leave a message.",
	"Thank you for calling Acme Dental. Our office is closed. Please leave a message and we will return your call.",
	"Hey, it's Tom. I'm not around, leave a message.",
	"Hi, you have reached the Johnsons. We can't come to the phone, so leave a message after the beep.",
	"Your call has been forwarded to an automatic voice message system. The person is not available.",
	// Short: under the greeting limit, a machine only by its beep (the baseline misses it).
	"Please leave a message.",
];

/** At least `perLabel` of each label, varied by voice, speed, pitch, lead-in silence, noise, beep. */
export function corpus(perLabel = 32): Item[] {
	const items: Item[] = [];
	for (let i = 0; i < perLabel; i++) {
		const v = {
			voice: VOICES[i % VOICES.length],
			speed: 150 + ((i * 7) % 50),
			pitch: 35 + ((i * 13) % 40),
			noise: [0.002, 0.005, 0.01][i % 3],
		};
		const lead = 200 + ((i * 137) % 1000);
		const phrase = HUMAN[i % HUMAN.length];
		// Every fourth human says hello twice: nobody answered the first one.
		const pieces: Piece[] =
			i % 4 === 3
				? [
						{ pause: lead },
						{ say: phrase },
						{ pause: 1200 + (i % 3) * 200 },
						{ say: "Hello?" },
						{ pause: 3000 },
					]
				: [{ pause: lead }, { say: phrase }, { pause: 4000 }];
		items.push(build(`human-${i}`, "human", pieces, v));
	}
	for (let i = 0; i < perLabel; i++) {
		const v = {
			voice: VOICES[(i + 3) % VOICES.length],
			speed: 150 + ((i * 11) % 50),
			pitch: 35 + ((i * 17) % 40),
			noise: [0.002, 0.005, 0.01][i % 3],
		};
		const lead = 100 + ((i * 211) % 900);
		const text = MACHINE[i % MACHINE.length];
		// Most greetings end in a beep (frequencies as voicemail systems use); some do not.
		const pieces: Piece[] = [{ pause: lead }, { say: text }, { pause: 300 + (i % 4) * 100 }];
		if (i % 5 !== 4) pieces.push({ beep: 300 + (i % 3) * 250, hz: [1000, 850, 1400, 440][i % 4] });
		pieces.push({ pause: 3000 });
		items.push(build(`machine-${i}`, "machine", pieces, v));
	}
	return items;
}
