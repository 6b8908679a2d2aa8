import { z } from "zod";

/**
 * What a short name shown to other people may not hold: NUL and the other
 * C0 and C1 controls (and DEL), which break logs, terminals and storage,
 * and the bidi overrides and isolates U+202A–U+202E and U+2066–U+2069,
 * which make one name display as another ("gnp.exe" as "exe.png").
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
export const UNSAFE_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/**
 * `s` with every {@link UNSAFE_NAME_CHARS} character turned into a space,
 * runs of spaces collapsed and the ends trimmed: for text Hatch stores on
 * someone else's behalf and cannot refuse piecemeal (a contact file's rows).
 *
 * @example stripUnsafe("Ann\u202Egpj\u0000") // "Ann gpj"
 */
export function stripUnsafe(s: string): string {
	return s.replace(new RegExp(UNSAFE_NAME_CHARS.source, "g"), " ").replace(/ {2,}/g, " ").trim();
}

/** The stable code of a name refused for {@link UNSAFE_NAME_CHARS} (422 over REST and on the socket). */
export const UNSAFE_CHARACTERS = "UNSAFE_CHARACTERS";

/**
 * A short name people see (display, first and last names, chat, list,
 * sound, campaign and trunk names): trimmed, 1..max characters, and
 * refused whole, never silently changed, when it holds a control or bidi
 * override character. File names are the exception: they come from file
 * systems, so `sanitizeFileName` strips the same characters instead.
 *
 * @example ShortName(64).parse("Ann\u202Egpj") // throws, issue params.code UNSAFE_CHARACTERS
 */
export function ShortName(max: number) {
	return z
		.string()
		.trim()
		.min(1)
		.max(max)
		.refine((s) => !UNSAFE_NAME_CHARS.test(s), {
			message: "must not contain control or bidirectional override characters",
			params: { code: UNSAFE_CHARACTERS },
		});
}

/** The code an issue asks to be reported with (set through `params.code`), if any. */
export function issueCode(
	issue: { code: string; params?: Record<string, unknown> } | undefined,
): string | undefined {
	const code = issue?.code === "custom" ? issue.params?.code : undefined;
	return typeof code === "string" ? code : undefined;
}
