import { applyD1Migrations, env } from "cloudflare:test";
import { afterAll } from "vitest";

// Each test file gets isolated storage; bring its D1 to the current schema.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// Sockets a test closes last still run their Durable Objects' close handlers
// (presence, views) after the test returns; tearing the file's runtime down
// under them fails the run with "Closing rpc while … was pending". Give that
// work a moment to finish before the file ends. This waits, it asserts nothing.
afterAll(() => new Promise((resolve) => setTimeout(resolve, 300)));
