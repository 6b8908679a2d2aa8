import { Metadata } from "libphonenumber-js/core";
import metadata from "libphonenumber-js/min/metadata";

/**
 * The verdict libphonenumber-js (min metadata) gives a number already
 * written in E.164, reached without its general parser: the same steps
 * (calling code, national prefix, the country among those sharing the code,
 * the national pattern and the type patterns), each regular expression
 * compiled once instead of on every use. A contact file of 100,000 numbers
 * spends most of its import time in those compilations.
 *
 * Returns the number when valid, null when invalid, and undefined when the
 * number is not plain E.164 or a step would need more than this replica
 * does (a national prefix to strip): the caller then asks the library.
 * test-node/contacts/e164.test.ts checks it against the library number by number.
 *
 * @example e164AsIs("+14155550100") // "+14155550100"
 */
export function e164AsIs(raw: string): string | null | undefined {
	if (!E164.test(raw)) return undefined;
	let plan: CallingPlan | undefined;
	let cc = "";
	// Calling codes are prefix-free: the first known one is the one (as the library takes it).
	for (let len = 1, code = 0; len <= 3 && !plan; len++) {
		code = code * 10 + raw.charCodeAt(len) - 48;
		plan = callingPlan(code);
		if (plan) cc = raw.slice(1, 1 + len);
	}
	if (!plan) return undefined;
	const national = raw.slice(1 + cc.length);
	if (plan.prefixForParsing?.test(national)) return undefined;
	let country: CountryPlan | undefined = plan.countries.length === 1 ? plan.countries[0] : undefined;
	if (plan.countries.length > 1)
		for (const c of plan.countries) {
			if (c.leadingDigits) {
				if (c.leadingDigits.exec(national)?.index !== 0) continue;
			} else if (hasType(c, national)) {
				// Chosen because it has a type for the number: valid, and its patterns need no second run.
				return raw;
			} else continue;
			country = c;
			break;
		}
	return isValid(country ?? plan.main, national) ? raw : null;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** What one numbering plan (a country, or a calling code's main country) takes, compiled. */
type CountryPlan = {
	leadingDigits: RegExp | null;
	national: RegExp;
	/** Each type's pattern and possible lengths (FIXED_LINE first, as the library checks them). */
	types: { pattern: RegExp; lengths: number[] | undefined }[];
	/** Whether the metadata has types for this plan at all (most do not in the min set). */
	typed: boolean;
};
type CallingPlan = { main: CountryPlan; countries: CountryPlan[]; prefixForParsing: RegExp | null };

const TYPES = [
	"FIXED_LINE",
	"MOBILE",
	"PREMIUM_RATE",
	"TOLL_FREE",
	"SHARED_COST",
	"VOIP",
	"PERSONAL_NUMBER",
	"PAGER",
	"UAN",
	"VOICEMAIL",
] as const;

/** The library's isValid for a selected plan: with types, some type; without, the national pattern. */
function isValid(plan: CountryPlan, national: string): boolean {
	return plan.typed ? hasType(plan, national) : plan.national.test(national);
}

/** The library's getNumberType(...) !== undefined: the national pattern, then any type's pattern. */
function hasType(plan: CountryPlan, national: string): boolean {
	if (!plan.national.test(national)) return false;
	return plan.types.some(
		(t) => (!t.lengths || t.lengths.includes(national.length)) && t.pattern.test(national),
	);
}

/** The library's Metadata object, typed as far as this file reads it. */
type Meta = {
	selectNumberingPlan(c: string): void;
	getCountryCodesForCallingCode(cc: string): string[] | undefined;
	hasCallingCode(cc: string): boolean;
	hasTypes(): boolean | undefined;
	leadingDigits(): string | undefined;
	nationalNumberPattern(): string;
	type(t: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
	numberingPlan: { nationalPrefixForParsing(): string | undefined };
};
const meta = new Metadata(metadata) as unknown as Meta;
/** By calling code as a number (1-9, 10-99, 100-999 cannot collide: E.164 has no leading 0), compiled on first use. */
const plans: (CallingPlan | null | undefined)[] = new Array(1000);

function callingPlan(code: number): CallingPlan | undefined {
	let plan = plans[code];
	if (plan === undefined) {
		const cc = String(code);
		plan = meta.hasCallingCode(cc) ? compileCallingPlan(cc) : null;
		plans[code] = plan;
	}
	return plan ?? undefined;
}

function compileCallingPlan(cc: string): CallingPlan | null {
	meta.selectNumberingPlan(cc);
	const prefix = meta.numberingPlan.nationalPrefixForParsing();
	const main = compileCountry();
	const countries: CountryPlan[] = [];
	for (const c of meta.getCountryCodesForCallingCode(cc) ?? []) {
		// "001": a non-geographic code (+800, +882…), which the library handles its own way.
		if (c === "001") return null;
		meta.selectNumberingPlan(c);
		countries.push(compileCountry());
	}
	return { main, countries, prefixForParsing: prefix ? new RegExp(`^(?:${prefix})`) : null };
}

/** The selected plan compiled. */
function compileCountry(): CountryPlan {
	const ld = meta.leadingDigits();
	const types: CountryPlan["types"] = [];
	for (const t of TYPES) {
		const def = meta.type(t);
		const pattern = def?.pattern();
		if (def && pattern) types.push({ pattern: whole(pattern), lengths: def.possibleLengths() });
	}
	return {
		leadingDigits: ld ? new RegExp(ld) : null,
		national: whole(meta.nationalNumberPattern()),
		types,
		typed: meta.hasTypes() === true,
	};
}

const whole = (p: string) => new RegExp(`^(?:${p})$`);
