import type { Context, Next } from "hono";
import { jwtVerify, SignJWT } from "jose";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";

/**
 * The dialer seed's `req_data` wrapping (seeds/002: "resources that need
 * authorised access send and receive a JWT in the key `req_data`"): the
 * request's data is the payload of an HS256 JWT signed with the key client
 * and server share (the seed's `JWT_KEY`; here the secret
 * DIALER_SEED_JWT_KEY), sent as `{"req_data": "<jwt>"}` in a POST body or
 * `?req_data=<jwt>` on a GET. The access token still travels in the
 * `Authorization` header. A wrapped request gets its answer wrapped the same
 * way, `{"req_data": "<jwt>"}` with the status unchanged (errors too); a
 * plain JSON request keeps a plain answer. A `req_data` that is not a valid
 * JWT under the key is 400 INVALID_REQ_DATA, answered plain, and nothing runs.
 */

const MAX_JWT_CHARS = 64 * 1024;

const key = (env: Env) => {
	const k = env.DIALER_SEED_JWT_KEY;
	if (!k)
		throw new ApiError("NOT_IMPLEMENTED", "req_data is not configured on this server (DIALER_SEED_JWT_KEY)", {
			status: 501,
		});
	return new TextEncoder().encode(k);
};

/** The claims of a req_data JWT: the request's fields (the registered claims iat/exp are dropped). */
async function unwrap(env: Env, token: unknown): Promise<Record<string, unknown>> {
	if (typeof token !== "string" || token.length > MAX_JWT_CHARS)
		throw new ApiError("INVALID_REQ_DATA", "req_data must be a JWT string", { status: 400 });
	const secret = key(env);
	try {
		const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"] });
		const { iat: _iat, exp: _exp, nbf: _nbf, ...fields } = payload;
		return fields;
	} catch {
		throw new ApiError("INVALID_REQ_DATA", "req_data is not a valid JWT under the shared key", {
			status: 400,
		});
	}
}

/** Wraps a JSON value as the seed answers it: `{req_data: <HS256 JWT of the value>}`. */
export async function wrapReqData(env: Env, value: unknown): Promise<{ req_data: string }> {
	const claims =
		value !== null && typeof value === "object" && !Array.isArray(value) ? value : { data: value };
	const jwt = await new SignJWT(claims as Record<string, unknown>)
		.setProtectedHeader({ alg: "HS256", typ: "JWT" })
		.setIssuedAt()
		.sign(key(env));
	return { req_data: jwt };
}

/** The wrapped request's data, or undefined when the request is plain. */
async function readWrapped(c: Context<AppEnv>): Promise<Record<string, unknown> | undefined> {
	const query = c.req.query("req_data");
	if (query !== undefined) return unwrap(c.env, query);
	if (c.req.method !== "POST" || !/application\/json/i.test(c.req.header("Content-Type") ?? ""))
		return undefined;
	const body = (await c.req.raw
		.clone()
		.json()
		.catch(() => undefined)) as Record<string, unknown> | undefined;
	if (!body || typeof body !== "object" || !("req_data" in body)) return undefined;
	return unwrap(c.env, body.req_data);
}

/**
 * Middleware for the seed's authorised resources: unwraps a `req_data`
 * request into the plain JSON body the handler reads, and wraps its answer.
 */
export async function reqData(c: Context<AppEnv>, next: Next) {
	const fields = await readWrapped(c);
	if (!fields) return next();
	if (c.req.method === "POST") {
		const headers = new Headers(c.req.raw.headers);
		headers.set("Content-Type", "application/json");
		headers.delete("Content-Length");
		c.req.raw = new Request(c.req.raw.url, { method: "POST", headers, body: JSON.stringify(fields) });
	}
	await next();
	const res = c.res;
	const answer = await res
		.clone()
		.json()
		.catch(() => undefined);
	if (answer === undefined) return;
	const headers = new Headers(res.headers);
	headers.delete("Content-Length");
	c.res = new Response(JSON.stringify(await wrapReqData(c.env, answer)), { status: res.status, headers });
}
