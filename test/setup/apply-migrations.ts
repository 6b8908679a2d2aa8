import { applyD1Migrations, env } from "cloudflare:test";
import { afterAll } from "vitest";
import { newFileAddress } from "../helpers/http";

// The worker project's files share one runtime and its storage (isolate: false in
// vitest.config.ts): bring D1 to the current schema (a no-op after the first file)
// and give this file its own client address for the per-IP rate limits.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
newFileAddress();

// Sockets a test closes last still run their Durable Objects' close handlers
// (presence, views) after the test returns; tearing the file's runtime down
// under them fails the run with "Closing rpc while … was pending". Give that
// work a moment to finish before the file ends. This waits, it asserts nothing.
afterAll(() => new Promise((resolve) => setTimeout(resolve, 300)));
