import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The one live SMS code per phone number (E.164). Only an HMAC of
 * number + code is kept, so a database dump reveals no usable code and a
 * code for one number never works for another.
 */
export const smsCodes = sqliteTable("sms_codes", {
	phone: text("phone").primaryKey(),
	codeHash: text("code_hash").notNull(),
	attempts: integer("attempts").notNull().default(0),
	sentAt: integer("sent_at", { mode: "timestamp_ms" }).notNull(),
	expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
});
