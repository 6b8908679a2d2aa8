/**
 * Entry point: read the environment, start the dialer, and on SIGTERM/SIGINT
 * stop taking calls, hang up the live ones (BYE/CANCEL), flush events, exit.
 */
import { createDialer } from "./app.ts";
import { loadConfig } from "./config.ts";

const config = loadConfig();
const dialer = createDialer(config);
await dialer.start();

let stopping = false;
const shutdown = async (signal: string) => {
	if (stopping) return;
	stopping = true;
	process.stderr.write(`${JSON.stringify({ level: "info", msg: "draining", signal })}\n`);
	const hard = setTimeout(() => process.exit(1), 30_000);
	hard.unref();
	await dialer.stop(15_000);
	process.exit(0);
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("uncaughtException", (err) => {
	// A bug in one call's handler must not hang up the other 499.
	process.stderr.write(`${JSON.stringify({ level: "error", msg: "uncaught exception", err: err.stack })}\n`);
});
