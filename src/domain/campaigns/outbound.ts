/**
 * Outbound HTTP for webhooks. Tests swap in a recorder; the swap is honoured
 * only when ENVIRONMENT is "test".
 *
 * @example await outboundFetch(env, new Request(url, { method: "POST", body }));
 */
let testFetch: ((req: Request) => Promise<Response>) | null = null;

export function outboundFetch(env: Env, req: Request): Promise<Response> {
	if (testFetch && env.ENVIRONMENT === "test") return testFetch(req);
	return fetch(req);
}

export function setOutboundFetchForTests(f: ((req: Request) => Promise<Response>) | null): void {
	testFetch = f;
}
