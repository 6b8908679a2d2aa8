import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
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
		/** A key blob the client keeps here for itself (the Phoenix seed's private key, encrypted by the client first). */
		keyBlobEnc: text("key_blob_enc"),
		fingerprint: text("fingerprint").notNull(),
		updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [primaryKey({ columns: [t.userId, t.deviceId] })],
);

export type E2eDeviceRow = typeof e2eDevices.$inferSelect;
