import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Accounts. A person signs up with an email + password or a phone number +
 * SMS code, so both are optional but each is unique when present.
 */
export const users = sqliteTable(
	"users",
	{
		id: text("id").primaryKey(),
		email: text("email").unique(),
		emailVerifiedAt: integer("email_verified_at", { mode: "timestamp_ms" }),
		phone: text("phone").unique(),
		username: text("username").unique(),
		passwordHash: text("password_hash"),
		displayName: text("display_name").notNull(),
		firstName: text("first_name"),
		lastName: text("last_name"),
		age: integer("age"),
		gender: text("gender", { enum: ["male", "female", "other"] }),
		role: text("role", { enum: ["user", "operator", "admin"] })
			.notNull()
			.default("user"),
		theme: text("theme", { enum: ["day", "night"] })
			.notNull()
			.default("day"),
		textScale: real("text_scale").notNull().default(1),
		recents: text("recents", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
		hidden: integer("hidden", { mode: "boolean" }).notNull().default(false),
		/** Lowercased display/first/last name for search. */
		searchName: text("search_name").notNull().default(""),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
		updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [index("users_search_name_idx").on(t.searchName)],
);

export type UserRow = typeof users.$inferSelect;
