// The fan-out bench's result: what run.ts measures and writes, and report.ts renders.
import type { Hotspot } from "../lib/cpu-profile.ts";
import type { GroupResult } from "./group.ts";
import type { FanoutResult, IdleResult, JoinResult } from "./lib.ts";

export type Result = {
	date: string;
	ref: string;
	argv: string;
	variants: { name: string; ref: string }[];
	machine: { cpus: number; uptime: string[] };
	setup: {
		clients: number;
		rate: number;
		rate_messages: number;
		messages: number;
		concurrency: number;
		idle: number;
		idle_users: number;
	};
	steady: Record<string, FanoutResult>;
	max: Record<string, FanoutResult>;
	joins: Record<string, JoinResult>;
	idle: Record<string, IdleResult>;
	group: GroupResult | null;
	profile: Profiled | null;
};

/** A Hatch steady run sampled through the inspector: its figures and workerd's top functions by self time. */
export type Profiled = { run: FanoutResult; total_ms?: number; idle_ms?: number; hotspots?: Hotspot[] };
