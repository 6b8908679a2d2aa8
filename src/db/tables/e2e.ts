import { integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./users";

/**
 * The e2e key directory: one row per device of a user. The key material is
 * the client's (public key, signed prekey, and for Phoenix clients whatever
 * key blob they upload); it is stored encrypted under SECRETS_KEY
 * (src/domain/secrets), as the Phoenix seed kept it in a Cloak vault.
 * `fingerprint` is SHA-256 of the public key, in clear, so a change can be
 * told without decrypting.
 */
export const e2eDevices = sqliteTable(
	"e2e_devices",
	{
		userId: text("user_id")
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		deviceId: text("device_id").notNull(),
		publicKeyEnc: text("public_key_enc").notNull(),
		signedPrekeyEnc: text("signed_prekey_enc"),
		fingerprint: text("fingerprint").notNull(),
		updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [primaryKey({ columns: [t.userId, t.deviceId] })],
);

/** The Phoenix seed's profile preferences (theme, magnification, recents), one row per user who set them. */
export const phoenixProfiles = sqliteTable("phoenix_profiles", {
	userId: text("user_id")
		.primaryKey()
		.references(() => users.id, { onDelete: "cascade" }),
	theme: text("theme", { enum: ["day", "night"] })
		.notNull()
		.default("day"),
	magnification: real("magnification").notNull().default(1),
	recents: text("recents").notNull().default("[]"),
});

export type E2eDeviceRow = typeof e2eDevices.$inferSelect;
