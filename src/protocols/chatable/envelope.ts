import type { Context, ErrorHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";

/** The chatable seed's one response envelope, as it prints it. */
export type Envelope = {
	status: "success" | "fail";
	data: unknown[];
	error: { code: number; errors: Record<string, string> | null; message: string };
	page: number;
	per_page: number;
	current_page: number;
};

export const PER_PAGE = 10;

/** A success envelope around `data` (one page of it). */
export function success(c: Context<AppEnv>, data: unknown[], page = 1, status: ContentfulStatusCode = 200) {
	const body: Envelope = {
		status: "success",
		data,
		error: { code: 200, errors: null, message: "" },
		page,
		per_page: PER_PAGE,
		current_page: page,
	};
	return c.json(body, status);
}

/** The envelope of a failure: `errors` names the field or says what went wrong. */
export function failure(code: number, message: string, errors: Record<string, string>): Envelope {
	return {
		status: "fail",
		data: [],
		error: { code, errors, message },
		page: 1,
		per_page: PER_PAGE,
		current_page: 0,
	};
}

/** Renders every error of /compat/chatable in the envelope (the status is the error's). */
export const chatableOnError: ErrorHandler<AppEnv> = (err, c) => {
	const e = err instanceof ApiError ? err : null;
	if (!e) c.var.log?.error("chatable: unhandled error", { error: String(err) });
	const status = e?.status ?? 500;
	const message =
		status >= 500 ? "Server error" : status === 401 || status === 403 ? "Auth error" : "User error";
	return c.json(
		failure(status, message, {
			error: e?.message ?? "Internal server error",
			code: String(e?.code ?? "INTERNAL"),
		}),
		status as ContentfulStatusCode,
	);
};
