import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * Worker test files that need storage of their own (a fresh runtime each): the
 * "worker" project runs its files in one runtime whose D1 and Durable Objects
 * keep what every earlier file stored. users.test.ts pages through every user.
 */
const FRESH_STORAGE = ["test/users/users.test.ts"];

/**
 * Two projects: the Worker and its Durable Objects run inside workerd
 * (the real runtime, with local D1, R2 and DO storage), and the dialer,
 * a plain Node program, runs in Node.
 */
export default defineConfig(async () => {
	const migrations = await readD1Migrations("migrations");
	const workerPool = {
		wrangler: { configPath: "./wrangler.toml" },
		miniflare: {
			bindings: {
				TEST_MIGRATIONS: migrations,
				ENVIRONMENT: "test",
				LOG_LEVEL: "warn",
				JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcdef",
				SECRETS_KEY: "dGVzdC1zZWNyZXRzLWtleS0wMTIzNDU2Nzg5YWJjZGU=",
				DIALER_SECRET: "test-dialer-secret-0123456789abcdef",
				DIALER_SEED_JWT_KEY: "test-dialer-seed-jwt-key",
				SMS_PROVIDER: "console",
				EMAIL_PROVIDER: "console",
				PUSH_PROVIDER: "console",
				TURN_PROVIDER: "coturn",
				TURN_URLS:
					"stun:turn.hatch.test:3478,turn:turn.hatch.test:3478?transport=udp,turns:turn.hatch.test:5349?transport=tcp",
				TURN_SECRET: "test-turn-secret-0123456789abcdef",
				TURN_TTL_S: "3600",
				CF_TURN_KEY_ID: "",
				CF_TURN_API_TOKEN: "",
				SIP_HOST_DENY: "private,link-local,cgnat,multicast,reserved",
				PUBLIC_URL: "https://hatch.test",
				// Small enough that tests can cross them: 24 MiB per file, 40 MiB per user.
				FILES_MAX_BYTES: "25165824",
				FILES_QUOTA_BYTES: "41943040",
				FILES_ALLOWED_TYPES:
					"image/png,image/jpeg,image/gif,image/webp,application/pdf,application/zip,audio/*,video/*,text/plain",
			},
		},
	};
	return {
		test: {
			reporters: ["default"],
			projects: [
				{
					plugins: [cloudflareTest(workerPool)],
					test: {
						name: "worker",
						include: ["test/**/*.test.ts"],
						exclude: FRESH_STORAGE,
						setupFiles: ["test/setup/apply-migrations.ts"],
						testTimeout: 30_000,
						// One runtime (workerd with the Worker loaded) for all the files, run one after
						// another: starting one per file cost seconds of module loading each.
						// The files share D1, R2 and Durable Object storage; see FRESH_STORAGE.
						isolate: false,
					},
				},
				{
					plugins: [cloudflareTest(workerPool)],
					test: {
						name: "worker-fresh",
						include: FRESH_STORAGE,
						setupFiles: ["test/setup/apply-migrations.ts"],
						testTimeout: 30_000,
					},
				},
				{
					test: {
						// Worker (wrangler dev) + the local dialer + sipp, driven from Node.
						name: "e2e",
						include: ["test/e2e/**/*.e2e.ts"],
						environment: "node",
						testTimeout: 180_000,
						hookTimeout: 180_000,
					},
				},
				{
					test: {
						name: "dialer",
						root: "./dialer",
						include: ["test/**/*.test.ts"],
						environment: "node",
						testTimeout: 60_000,
					},
				},
				{
					// @hatch/client and the web app (Chromium) against the Worker under wrangler dev.
					test: {
						name: "clients",
						include: ["sdk/test/**/*.test.ts", "web/test/**/*.test.ts"],
						environment: "node",
						testTimeout: 120_000,
						hookTimeout: 180_000,
						fileParallelism: false,
					},
				},
				{
					// Real programs the Worker talks to (coturn), driven from Node with the Worker's pure modules.
					test: {
						name: "turn",
						include: ["test-node/**/*.test.ts"],
						environment: "node",
						testTimeout: 60_000,
					},
				},
			],
		},
	};
});
