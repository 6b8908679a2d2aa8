import { issueCode } from "@hatch/contract/names";
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
				// A schema may name its own code (e.g. UNSAFE_CHARACTERS): well-formed but refused, so 422.
				const coded = result.error.issues.find((i) => issueCode(i));
				const own = issueCode(coded);
				const first = coded ?? result.error.issues[0];
				const where = first?.path.length ? ` (${first.path.join(".")})` : "";
				throw new ApiError(own ?? "VALIDATION_FAILED", `Invalid request${where}: ${first?.message ?? ""}`, {
					status: own ? 422 : undefined,
					details: issues,
				});
			}
		},
	});
}
