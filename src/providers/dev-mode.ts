/**
 * Whether development-only behaviour (console providers, the dev outbox)
 * may run. Anything else, including a missing or misspelt ENVIRONMENT,
 * counts as production: the shortcuts fail closed.
 *
 * @example if (!isDevEnvironment(env.ENVIRONMENT)) throw ...;
 */
export function isDevEnvironment(environment: string | undefined): boolean {
	return environment === "development" || environment === "test";
}
