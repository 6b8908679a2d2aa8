import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { z } from "zod";
import { ApiError } from "../../errors";

/** An Egg MSISDN as clients send it: a number (the seed's examples) or a digit string. */
export const Msisdn = z.union([
	z.number().int().positive().max(999_999_999_999_999),
	z.string().regex(/^\+?\d{5,15}$/),
]);
export type Msisdn = z.infer<typeof Msisdn>;

/**
 * The E.164 number an Egg MSISDN names: the digits as an international
 * number when that is valid, else as a national number of EGG_PHONE_REGION
 * (RU: the seed is Russian, and its example 8800000000 is +7 880 000-00-00).
 *
 * @throws INVALID_PHONE (400)
 * @example phoneOfMsisdn(79161234567, "RU") // "+79161234567"
 */
export function phoneOfMsisdn(msisdn: Msisdn, region: string): string {
	const digits = String(msisdn).replace(/^\+/, "");
	const international = parsePhoneNumberFromString(`+${digits}`);
	if (international?.isValid()) return international.number;
	const national = parsePhoneNumberFromString(digits, region as CountryCode);
	if (national?.isValid()) return national.number;
	throw new ApiError("INVALID_PHONE", "Not a valid msisdn", { status: 400 });
}

/** The MSISDN Egg clients see for an E.164 number: its digits, as a number. */
export function msisdnOfPhone(phone: string | null): number | null {
	return phone ? Number(phone.replace(/^\+/, "")) : null;
}
