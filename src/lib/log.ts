/**
 * Structured JSON logs. Keys that could carry secrets are redacted before
 * anything is written, so a careless `log.info({ body })` cannot leak a
 * password or token.
 */
export type Logger = {
	debug(msg: string, fields?: Record<string, unknown>): void;
	info(msg: string, fields?: Record<string, unknown>): void;
	warn(msg: string, fields?: Record<string, unknown>): void;
	error(msg: string, fields?: Record<string, unknown>): void;
	child(fields: Record<string, unknown>): Logger;
};

const SECRET_KEY = /pass|token|secret|authorization|cookie|code|otp|signature|key/i;

/** Deep-copies `value` with every secret-looking key replaced by "[redacted]". */
export function redact(value: unknown, depth = 0): unknown {
	if (depth > 6 || value === null || typeof value !== "object") return value;
	if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(value)) {
		out[k] = SECRET_KEY.test(k) && k !== "requestId" ? "[redacted]" : redact(v, depth + 1);
	}
	return out;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

/** @example const log = createLogger({ requestId }, "info"); log.info("login", { userId }); */
export function createLogger(base: Record<string, unknown> = {}, minLevel: string = "info"): Logger {
	const min = LEVELS[minLevel as LogLevel] ?? LEVELS.info;
	const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
		if (LEVELS[level] < min) return;
		const line = JSON.stringify({ level, msg, ...(redact({ ...base, ...fields }) as object) });
		if (level === "error") console.error(line);
		else if (level === "warn") console.warn(line);
		else console.log(line);
	};
	return {
		debug: (m, f) => write("debug", m, f),
		info: (m, f) => write("info", m, f),
		warn: (m, f) => write("warn", m, f),
		error: (m, f) => write("error", m, f),
		child: (fields) => createLogger({ ...base, ...fields }, minLevel),
	};
}
