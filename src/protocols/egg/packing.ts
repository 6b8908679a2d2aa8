import { encode } from "@msgpack/msgpack";
import { ApiError } from "../../errors";

/** The seed's packing suffixes: none (raw string), `/json` or `/msgpack`. */
export type Packing = "raw" | "json" | "msgpack";

/** Reads the optional suffix after a module path; any other suffix is no such path (404). */
export function packingOf(suffix: string | undefined): Packing {
	if (suffix === undefined || suffix === "") return "raw";
	if (suffix === "json" || suffix === "msgpack") return suffix;
	throw new ApiError("NOT_FOUND", `Unknown packing ${JSON.stringify(suffix)}: use /json, /msgpack or none`);
}

/**
 * The session id packed as the client asked: the bare string, a JSON
 * string, or a msgpack str.
 *
 * @example return packed(sessionKey, "json", 200);
 */
export function packed(value: string, packing: Packing, status: number): Response {
	const headers = { "Cache-Control": "no-store" };
	if (packing === "json") return Response.json(value, { status, headers });
	if (packing === "msgpack") {
		return new Response(encode(value).slice(), {
			status,
			headers: { ...headers, "Content-Type": "application/msgpack" },
		});
	}
	return new Response(value, {
		status,
		headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" },
	});
}
