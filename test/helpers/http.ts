import { exports } from "cloudflare:workers";

let files = 0;
let fileAddress = "192.0.2.1";

/**
 * Gives the test file that starts now its own client address (the setup file
 * calls it once per file). The worker project's files share one runtime and
 * its storage, so per-IP rate limits would otherwise count every file's
 * sign-ups against one "unknown" address; with its own address a file starts
 * from an empty bucket, as it did with storage of its own.
 */
export function newFileAddress(): void {
	files += 1;
	fileAddress = `100.64.${Math.floor(files / 250) % 250}.${(files % 250) + 1}`;
}

/**
 * Calls the real Worker (its default export) with a request to
 * `https://hatch.test<path>`, JSON-encoding `json` when given. Without a
 * `CF-Connecting-IP` header the request comes from the test file's address.
 *
 * @example const res = await api("/v1/me", { headers: alice.auth });
 */
export function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
	const { json, ...rest } = init;
	const headers = new Headers(rest.headers);
	if (json !== undefined) headers.set("Content-Type", "application/json");
	if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", fileAddress);
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
