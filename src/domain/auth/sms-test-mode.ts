import { and, eq, gt } from "drizzle-orm";
import { smsCodes } from "../../db/schema";
import { ApiError } from "../../errors";
import { isDevEnvironment } from "../../providers/dev-mode";
import type { Db } from "../users/db";
import { verifySmsCode } from "./phone";

/** The Egg seed's test-mode code: after a code was sent it always works, in development only. */
export const SMS_TEST_CODE = "6666";

/**
 * Checks an SMS code as verifySmsCode does, except that in development and
 * test configuration (ENVIRONMENT) the seed's test code 6666 also uses up a
 * live code. In any other configuration 6666 is just a wrong code.
 *
 * @throws SMS_CODE_REQUIRED (428) with no live code, INVALID_SMS_CODE (403) on a wrong one.
 * @example await verifySmsCodeOrTestCode({ db, pepper }, env.ENVIRONMENT, phone, "6666");
 */
export async function verifySmsCodeOrTestCode(
	deps: { db: Db; pepper: string },
	environment: string | undefined,
	phone: string,
	code: string,
	now = Date.now(),
): Promise<void> {
	if (code !== SMS_TEST_CODE || !isDevEnvironment(environment)) {
		return verifySmsCode(deps, phone, code, now);
	}
	const used = await deps.db
		.delete(smsCodes)
		.where(and(eq(smsCodes.phone, phone), gt(smsCodes.expiresAt, new Date(now))))
		.returning({ phone: smsCodes.phone });
	if (used.length !== 1)
		throw new ApiError("SMS_CODE_REQUIRED", "No valid code for this number; request a new one", {
			status: 428,
		});
}
