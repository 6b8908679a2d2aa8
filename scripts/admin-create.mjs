#!/usr/bin/env node
// Creates (or promotes) an admin account from the console, the only way an
// admin comes to exist: the API never lets anyone grant themselves a role.
// `--role operator` makes a support operator instead (README "Support desk").
//
//   npm run admin:create -- --email ops@example.com --password '…' [--name "Ops"] [--role admin|operator] [--remote]
//
// Local by default (the D1 of `npm run dev`, migrations applied first);
// --remote writes to the production D1 through `wrangler d1 execute --remote`.
// The password is hashed here with node:crypto in exactly the Worker's format
// (pbkdf2-sha256$100000$salt$hash, base64url), so the Worker verifies it.
// An existing account with that email is promoted, gets the new password,
// and its sessions are revoked.
import { execFileSync } from "node:child_process";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ITERATIONS = 100_000; // workerd's PBKDF2 maximum: never more
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const { values } = parseArgs({
	options: {
		email: { type: "string" },
		password: { type: "string" },
		name: { type: "string" },
		role: { type: "string", default: "admin" },
		remote: { type: "boolean", default: false },
		"persist-to": { type: "string" },
		"print-sql": { type: "boolean", default: false },
		help: { type: "boolean", short: "h", default: false },
	},
});

function fail(message) {
	console.error(`admin:create: ${message}`);
	console.error(
		"usage: npm run admin:create -- --email EMAIL --password PASSWORD [--name NAME] [--role admin|operator] [--remote] [--persist-to DIR] [--print-sql]",
	);
	process.exit(1);
}

if (values.help) fail("creates or promotes an admin (or, with --role operator, a support operator)");
const role = values.role;
if (role !== "admin" && role !== "operator") fail("--role must be admin or operator");
const email = values.email?.trim().toLowerCase();
const password = values.password ?? "";
if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254)
	fail("--email must be an email address");
if (password.length < 8 || password.length > 256) fail("--password must be 8 to 256 characters");
const common = readFileSync(join(root, "src/domain/auth/common-passwords.ts"), "utf8");
const list = /const LIST =\s*"([^"]*)"/.exec(common)?.[1]?.split(" ") ?? [];
if (list.length < 1000) fail("could not read the common-password list");
if (list.includes(password.toLowerCase())) fail("that password is too common; choose another");
if (password.toLowerCase() === email) fail("the password must not be the email");

const b64url = (buf) => Buffer.from(buf).toString("base64url");

/** Same format as src/domain/auth/password.ts hashPassword. */
export function hashPassword(pw, salt = randomBytes(16)) {
	const hash = pbkdf2Sync(pw, salt, ITERATIONS, 32, "sha256");
	return `pbkdf2-sha256$${ITERATIONS}$${b64url(salt)}$${b64url(hash)}`;
}

/** UUIDv7, as src/lib/ids.ts newId. */
function newId(now = Date.now()) {
	const bytes = randomBytes(16);
	for (let i = 0; i < 6; i++) bytes[i] = Number((BigInt(now) >> BigInt(8 * (5 - i))) & 0xffn);
	bytes[6] = (bytes[6] & 0x0f) | 0x70;
	bytes[8] = (bytes[8] & 0x3f) | 0x80;
	const h = bytes.toString("hex");
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
const now = Date.now();
const displayName = values.name?.trim() || email;
const passwordHash = hashPassword(password);
const sql = [
	`INSERT INTO users (id, email, email_verified_at, password_hash, display_name, role, search_name, created_at, updated_at)`,
	`VALUES (${q(newId(now))}, ${q(email)}, ${now}, ${q(passwordHash)}, ${q(displayName)}, ${q(role)}, ${q(displayName.toLowerCase())}, ${now}, ${now})`,
	`ON CONFLICT(email) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash,`,
	`email_verified_at = coalesce(users.email_verified_at, excluded.email_verified_at), updated_at = excluded.updated_at;`,
	`UPDATE sessions SET revoked_at = ${now}, revoke_reason = 'admin_create'`,
	`WHERE user_id = (SELECT id FROM users WHERE email = ${q(email)}) AND revoked_at IS NULL;`,
].join("\n");

if (values["print-sql"]) {
	console.log(sql);
	process.exit(0);
}

const where = values.remote ? ["--remote"] : ["--local"];
if (values["persist-to"]) where.push("--persist-to", values["persist-to"]);
const wrangler = (args) =>
	execFileSync("npx", ["--no-install", "wrangler", ...args], {
		cwd: root,
		// wrangler's own output (tables of raw D1 results) is shown only when it fails.
		stdio: ["ignore", "pipe", "pipe"],
		env: { ...process.env, CI: "true" },
	});

try {
	if (!values.remote) wrangler(["d1", "migrations", "apply", "DB", ...where]);
	wrangler(["d1", "execute", "DB", ...where, "--command", sql]);
} catch (err) {
	process.stderr.write(`${err.stdout ?? ""}${err.stderr ?? ""}`);
	fail(`wrangler d1 execute failed (${values.remote ? "remote" : "local"} D1)`);
}
console.log(
	`admin:create: ${email} is ${role === "admin" ? "an admin" : "a support operator"} (${values.remote ? "remote" : "local"} D1). Sign in at /v1/auth/login.`,
);
