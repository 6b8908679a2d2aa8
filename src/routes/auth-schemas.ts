import { z } from "@hono/zod-openapi";
import { ACCESS_TOKEN_TTL_S } from "../domain/auth/access-token";
import type { IssuedTokens } from "../domain/auth/sessions";

/** The standard error body, for documenting non-2xx answers. */
export const ErrorResponse = z
	.object({
		error: z.object({
			code: z.string().openapi({ example: "VALIDATION_FAILED" }),
			message: z.string(),
			requestId: z.string(),
			details: z.unknown().optional(),
		}),
	})
	.openapi("Error");

export const errorContent = (description: string) => ({
	description,
	content: { "application/json": { schema: ErrorResponse } },
});

export const Email = z.email().max(254).openapi({ example: "ann@example.com" });
export const Password = z.string().min(1).max(256).openapi({ example: "correct horse battery staple" });
export const NewPassword = z.string().min(8).max(256).openapi({ example: "correct horse battery staple" });
export const Gender = z.enum(["male", "female", "other"]);

export const MeUser = z
	.object({
		id: z.string(),
		email: z.string().nullable(),
		email_verified: z.boolean(),
		phone: z.string().nullable(),
		username: z.string().nullable(),
		display_name: z.string(),
		first_name: z.string().nullable(),
		last_name: z.string().nullable(),
		age: z.number().int().nullable(),
		gender: Gender.nullable(),
		role: z.enum(["user", "operator", "admin"]),
		theme: z.enum(["day", "night"]),
		magnification: z.number(),
		recents: z.array(z.string()),
		hidden: z.boolean(),
		created_at: z.string(),
		updated_at: z.string(),
	})
	.openapi("Me");

export const PublicUser = z
	.object({
		id: z.string(),
		display_name: z.string(),
		first_name: z.string().nullable(),
		last_name: z.string().nullable(),
		age: z.number().int().nullable(),
		gender: Gender.nullable(),
		role: z.enum(["user", "operator", "admin"]),
	})
	.openapi("PublicUser");

export const TokenResponse = z
	.object({
		token_type: z.literal("Bearer"),
		access_token: z.string(),
		expires_in: z.number().int().openapi({ description: "Seconds the access token lives (1800)" }),
		refresh_token: z.string(),
		refresh_expires_at: z
			.string()
			.openapi({ description: "Absolute end of the session (14 days after sign-in)" }),
		session_id: z.string(),
		user: MeUser,
	})
	.openapi("TokenResponse");

/** Shapes issued tokens plus the user as the TokenResponse body. */
export function tokenBody(tokens: IssuedTokens, user: z.infer<typeof MeUser>) {
	return {
		token_type: "Bearer" as const,
		access_token: tokens.accessToken,
		expires_in: ACCESS_TOKEN_TTL_S,
		refresh_token: tokens.refreshToken,
		refresh_expires_at: new Date(tokens.refreshExpiresAt).toISOString(),
		session_id: tokens.sessionId,
		user,
	};
}

export const Accepted = z.object({ status: z.literal("accepted"), message: z.string() }).openapi("Accepted");

export const bearer: { bearerAuth: string[] }[] = [{ bearerAuth: [] }];
