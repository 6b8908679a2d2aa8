/**
 * Words anyone would guess for a Hatch password (ASVS 5.0 6.1.2 / 6.2.11):
 * the product's names, its roles and parts. SECURITY.md lists them too.
 */
export const CONTEXT_WORDS: readonly string[] = [
	"hatch",
	"hatchapp",
	"hatchchat",
	"hatchadmin",
	"admin",
	"administrator",
	"operator",
	"dialer",
	"support",
];

/** The letters of `s`, lowercased: what is left once digits and symbols are stripped. */
function letters(s: string): string {
	return s.toLowerCase().replace(/[^\p{L}]/gu, "");
}

/**
 * Whether a password is only a context word, or the local part of the
 * account's email, dressed up with digits and symbols ("Hatch2026!",
 * "ann.1984" for ann@example.com). Longer passphrases that merely contain
 * such a word are fine.
 *
 * @example isContextPassword("Hatch2026!") // true; isContextPassword("hatch-violet-harbor") // false
 */
export function isContextPassword(password: string, email?: string | null): boolean {
	const core = letters(password);
	if (core.length === 0) return false;
	if (CONTEXT_WORDS.includes(core)) return true;
	const local = letters(email?.split("@")[0] ?? "");
	return local.length >= 3 && core === local;
}
