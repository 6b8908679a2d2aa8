import { exports } from "cloudflare:workers";

/**
 * Calls the real Worker (its default export) with a request to
 * `https://hatch.test<path>`, JSON-encoding `json` when given.
 *
 * @example const res = await api("/v1/me", { headers: alice.auth });
 */
export function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
	const { json, ...rest } = init;
	const headers = new Headers(rest.headers);
	if (json !== undefined) headers.set("Content-Type", "application/json");
	return exports.default.fetch(
		new Request(`https://hatch.test${path}`, {
			...rest,
			headers,
			body: json !== undefined ? JSON.stringify(json) : rest.body,
		}),
	);
}

/** Asserts the standard error body and returns its code. */
export async function errorCode(res: Response): Promise<string> {
	const body = (await res.json()) as { error?: { code?: string; requestId?: string } };
	if (!body.error?.code || !body.error.requestId)
		throw new Error(`not an error body: ${JSON.stringify(body)}`);
	return body.error.code;
}
