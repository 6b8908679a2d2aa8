/** Minimal structured logger: one JSON line per entry, quiet in tests unless DIALER_LOG is set. */
export interface Logger {
	info(msg: string, fields?: Record<string, unknown>): void;
	warn(msg: string, fields?: Record<string, unknown>): void;
	error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger writing JSON lines to stderr at or above `level`. */
export function createLogger(level: "info" | "warn" | "error" | "silent" = "info"): Logger {
	const order = { info: 0, warn: 1, error: 2, silent: 3 };
	const write = (lvl: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => {
		if (order[lvl] < order[level]) return;
		process.stderr.write(`${JSON.stringify({ t: new Date().toISOString(), level: lvl, msg, ...fields })}\n`);
	};
	return {
		info: (m, f) => write("info", m, f),
		warn: (m, f) => write("warn", m, f),
		error: (m, f) => write("error", m, f),
	};
}
