import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

/**
 * A sub-app whose zod validation failures become `VALIDATION_FAILED` with
 * the offending fields listed. Every route module starts here, so the
 * OpenAPI document and the validation come from the same schemas.
 *
 * @example export const meRoutes = createRouter().openapi(getMeRoute, (c) => ...);
 */
export function createRouter() {
	return new OpenAPIHono<AppEnv>({
		defaultHook: (result) => {
			if (!result.success) {
				const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
				const where = issues[0]?.path ? ` (${issues[0].path})` : "";
				throw new ApiError("VALIDATION_FAILED", `Invalid request${where}: ${issues[0]?.message ?? ""}`, {
					details: issues,
				});
			}
		},
	});
}
