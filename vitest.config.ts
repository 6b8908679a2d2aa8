import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * Two projects: the Worker and its Durable Objects run inside workerd
 * (the real runtime, with local D1, R2 and DO storage), and the dialer,
 * a plain Node program, runs in Node.
 */
export default defineConfig(async () => {
	const migrations = await readD1Migrations("migrations");
	return {
		test: {
			reporters: ["default"],
			projects: [
				{
					plugins: [
						cloudflareTest({
							wrangler: { configPath: "./wrangler.toml" },
							miniflare: {
								bindings: {
									TEST_MIGRATIONS: migrations,
									ENVIRONMENT: "test",
									LOG_LEVEL: "warn",
									JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcdef",
									SECRETS_KEY: "dGVzdC1zZWNyZXRzLWtleS0wMTIzNDU2Nzg5YWJjZGU=",
									DIALER_SECRET: "test-dialer-secret-0123456789abcdef",
									SMS_PROVIDER: "console",
									EMAIL_PROVIDER: "console",
									PUSH_PROVIDER: "console",
								},
							},
						}),
					],
					test: {
						name: "worker",
						include: ["test/**/*.test.ts"],
						setupFiles: ["test/setup/apply-migrations.ts"],
						testTimeout: 30_000,
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
			],
		},
	};
});
