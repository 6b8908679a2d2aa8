import { createRoute, z } from "@hono/zod-openapi";
import { endSessions, hubSockets } from "../domain/auth/revocation";
import { getUser, setRole } from "../domain/users/users";
import { toMeView } from "../domain/users/views";
import { ApiError } from "../errors";
import { createRouter } from "../lib/router";
import { requireAuth, requireRole } from "../middleware/auth";
import { bearer, errorContent, MeUser } from "./auth-schemas";

const tags = ["admin"];
const UserId = z.string().regex(/^[0-9a-f-]{36}$/, "not a user id");
const RANK = { user: 0, operator: 1, admin: 2 } as const;

const getAccount = createRoute({
	method: "get",
	path: "/v1/admin/users/{id}",
	tags,
	summary: "Full account of a user, with email and phone (operators and admins)",
	security: bearer,
	middleware: [requireAuth, requireRole("operator", "admin")],
	request: { params: z.object({ id: UserId }) },
	responses: {
		200: { description: "The account", content: { "application/json": { schema: MeUser } } },
		403: errorContent("Not an operator or admin"),
		404: errorContent("No such user"),
	},
});

const putRole = createRoute({
	method: "put",
	path: "/v1/admin/users/{id}/role",
	tags,
	summary: "Set a user's role (admins only)",
	description:
		"An admin cannot change their own role (so the last admin cannot lock everyone out). A demotion revokes the user's sessions at once; a promotion shows up at their next token refresh.",
	security: bearer,
	middleware: [requireAuth, requireRole("admin")],
	request: {
		params: z.object({ id: UserId }),
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.strictObject({ role: z.enum(["user", "operator", "admin"]) }).openapi("SetRoleRequest"),
				},
			},
		},
	},
	responses: {
		200: { description: "Updated", content: { "application/json": { schema: MeUser } } },
		403: errorContent("Not an admin, or your own role"),
		404: errorContent("No such user"),
	},
});

const revokeSessions = createRoute({
	method: "post",
	path: "/v1/admin/users/{id}/sessions/revoke-all",
	tags,
	summary: "Sign a user out everywhere (admins only)",
	description:
		"Revokes every live session of the user: their access and refresh tokens stop working and their sockets close with 4401. Their role and password stay as they are.",
	security: bearer,
	middleware: [requireAuth, requireRole("admin")],
	request: { params: z.object({ id: UserId }) },
	responses: {
		200: {
			description: "Revoked",
			content: { "application/json": { schema: z.object({ revoked: z.number().int() }) } },
		},
		403: errorContent("Not an admin"),
		404: errorContent("No such user"),
	},
});

export const adminRoutes = createRouter()
	.openapi(getAccount, async (c) => c.json(toMeView(await getUser(c.var.db, c.req.valid("param").id)), 200))
	.openapi(putRole, async (c) => {
		const { id } = c.req.valid("param");
		const { role } = c.req.valid("json");
		if (id === c.var.auth.userId) throw new ApiError("FORBIDDEN", "You cannot change your own role");
		const before = await getUser(c.var.db, id);
		const after = await setRole(c.var.db, id, role);
		if (RANK[role] < RANK[before.role])
			await endSessions(c.var.db, hubSockets(c.env), { reason: "role_lowered", userId: id });
		c.var.log.info("role changed", { target: id, from: before.role, to: role });
		return c.json(toMeView(after), 200);
	})
	.openapi(revokeSessions, async (c) => {
		const { id } = c.req.valid("param");
		await getUser(c.var.db, id); // 404 for an id naming nobody
		const ended = await endSessions(c.var.db, hubSockets(c.env), { reason: "admin_signed_out", userId: id });
		c.var.log.info("user signed out by an admin", { target: id, sessions: ended.length });
		return c.json({ revoked: ended.length }, 200);
	});
