import { describe, expect, it } from "vitest";
import { isCommonPassword } from "../../src/domain/auth/common-passwords";
import {
	checkPasswordPolicy,
	hashPassword,
	needsRehash,
	PBKDF2_MAX_ITERATIONS,
	timingSafeEqual,
	verifyPassword,
} from "../../src/domain/auth/password";

// Produced by scripts/admin-create.mjs (node:crypto pbkdf2Sync) for "violet-harbor-tractor-42":
// the console script and the Worker must agree on the format.
const NODE_HASH = "pbkdf2-sha256$100000$gSassECeefZwFrp12K6YPA$jDvyDoDtEr9djhvOofZ-BRbcyHPrL6K2_KcxSUeb3vE";

describe("password hashing", () => {
	it("stores pbkdf2-sha256 with 100,000 iterations, salt and hash, and verifies", async () => {
		const stored = await hashPassword("violet-harbor-tractor-42");
		expect(stored).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
		expect(await verifyPassword("violet-harbor-tractor-42", stored)).toBe(true);
		expect(await verifyPassword("violet-harbor-tractor-43", stored)).toBe(false);
		expect(needsRehash(stored)).toBe(false);
	});

	it("salts every hash differently", async () => {
		const a = await hashPassword("violet-harbor-tractor-42");
		const b = await hashPassword("violet-harbor-tractor-42");
		expect(a).not.toBe(b);
	});

	it("verifies a hash made by the admin console script (node:crypto)", async () => {
		expect(await verifyPassword("violet-harbor-tractor-42", NODE_HASH)).toBe(true);
		expect(await verifyPassword("violet-harbor-tractor-41", NODE_HASH)).toBe(false);
	});

	it("never produces a hash above 100,000 iterations", async () => {
		expect(PBKDF2_MAX_ITERATIONS).toBe(100_000);
		await expect(hashPassword("violet-harbor-tractor-42", 100_001)).rejects.toThrow(/iterations/);
		await expect(hashPassword("violet-harbor-tractor-42", 0)).rejects.toThrow(/iterations/);
	});

	it("never accepts a stored hash claiming more than 100,000 iterations", async () => {
		const ok = await hashPassword("violet-harbor-tractor-42");
		const [scheme, , salt, hash] = ok.split("$");
		for (const n of ["100001", "1000000", "9999999", "-1", "0", "1e5", "abc"]) {
			expect(await verifyPassword("violet-harbor-tractor-42", `${scheme}$${n}$${salt}$${hash}`)).toBe(false);
		}
		expect(needsRehash(`${scheme}$100001$${salt}$${hash}`)).toBe(true);
	});

	it("rejects malformed hashes and accounts without a password", async () => {
		for (const bad of [
			null,
			undefined,
			"",
			"plain",
			"md5$1$a$b",
			"pbkdf2-sha256$100000$$",
			"pbkdf2-sha256$1000$AAAA$AAAA",
		]) {
			expect(await verifyPassword("violet-harbor-tractor-42", bad)).toBe(false);
		}
	});
});

describe("password policy", () => {
	it("requires 8 to 256 characters", () => {
		expect(() => checkPasswordPolicy("short1!")).toThrow(/at least 8/);
		expect(() => checkPasswordPolicy("x".repeat(257))).toThrow(/at most 256/);
		expect(() => checkPasswordPolicy("violet-harbor-tractor-42")).not.toThrow();
		expect(() => checkPasswordPolicy("violet-harbor-".repeat(20).slice(0, 256))).not.toThrow();
	});

	it("checks a long password exactly as given: no truncation, no case folding (ASVS 6.2.8, 6.2.9)", async () => {
		const long = "Violet-Harbor-".repeat(14).slice(0, 190);
		const stored = await hashPassword(long);
		expect(await verifyPassword(long, stored)).toBe(true);
		expect(await verifyPassword(long.slice(0, 189), stored)).toBe(false);
		expect(await verifyPassword(long.toLowerCase(), stored)).toBe(false);
	});

	it("refuses common passwords case-insensitively, and the account's own email", () => {
		expect(isCommonPassword("iloveyou")).toBe(true);
		expect(isCommonPassword("PASSWORD")).toBe(true);
		expect(isCommonPassword("violet-harbor-tractor-42")).toBe(false);
		expect(() => checkPasswordPolicy("Password")).toThrow(/too common/);
		expect(() => checkPasswordPolicy("qwertyuiop")).toThrow(/too common/);
		expect(() => checkPasswordPolicy("ann@example.test", "ANN@example.test")).toThrow(/email/);
	});

	it("refuses context words and the email's local part dressed up with digits and symbols (ASVS 6.2.11)", () => {
		for (const pw of ["Hatch2026!", "hatch-app-1", "Admin_2024", "Operator-7", "!!dialer99"])
			expect(() => checkPasswordPolicy(pw), pw).toThrow(/product's name/);
		expect(() => checkPasswordPolicy("annabel.1984", "annabel@example.test")).toThrow(/product's name/);
		// A passphrase that merely contains such a word, and a short local part, are fine.
		expect(() => checkPasswordPolicy("hatch-violet-harbor-42")).not.toThrow();
		expect(() => checkPasswordPolicy("annabel-lantern-77", "annabel@example.test")).not.toThrow();
		expect(() => checkPasswordPolicy("al-12345", "al@example.test")).not.toThrow();
	});
});

describe("timingSafeEqual", () => {
	it("compares whole arrays", () => {
		expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
		expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
		expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
		expect(timingSafeEqual(new Uint8Array([]), new Uint8Array([1]))).toBe(false);
	});
});
