import { MessageText } from "@hatch/contract/frames";
import {
	SupportCanned,
	SupportCannedInput,
	SupportConversation,
	SupportMessage,
	SupportNote,
	SupportOperatorStats,
} from "@hatch/contract/support-frames";
import { createRoute, z } from "@hono/zod-openapi";
import { deskOf, unwrap } from "../domain/support/desk";
import { loadActor } from "../domain/support/identity";
import { transcriptText } from "../domain/support/transcript";
import { createRouter } from "../lib/router";
import { requireAuth, requireRole } from "../middleware/auth";
import { bearer, errorContent } from "./auth-schemas";

/** What support desks are expected to have beyond the queue: notes, transcripts, figures, canned replies. */
const tags = ["support"];
const operators = [requireAuth, requireRole("operator", "admin")];
const Id = z.object({ id: z.string().min(1).max(64) });
const ok = <T extends z.ZodType>(description: string, schema: T) => ({
	description,
	content: { "application/json": { schema } },
});
const denied = {
	403: errorContent("Not an operator (FORBIDDEN)"),
	404: errorContent("Not found (NOT_FOUND)"),
};

const note = createRoute({
	method: "post",
	path: "/v1/support/conversations/{id}/notes",
	tags,
	summary: "Add an internal note (operators see it; the customer never does)",
	security: bearer,
	middleware: operators,
	request: {
		params: Id,
		body: {
			required: true,
			content: { "application/json": { schema: z.strictObject({ text: MessageText }) } },
		},
	},
	responses: { 201: ok("Added", z.object({ note: SupportNote })), ...denied },
});
const transcript = createRoute({
	method: "get",
	path: "/v1/support/conversations/{id}/transcript",
	tags,
	summary: "Transcript of a closed conversation, as JSON or plain text (with its notes)",
	security: bearer,
	middleware: operators,
	request: { params: Id, query: z.object({ format: z.enum(["json", "text"]).default("json") }) },
	responses: {
		200: {
			description: "The transcript",
			content: {
				"application/json": {
					schema: z.object({
						conversation: SupportConversation,
						messages: z.array(SupportMessage),
						notes: z.array(SupportNote),
					}),
				},
				"text/plain": { schema: z.string() },
			},
		},
		409: errorContent("Still open (CONVERSATION_OPEN)"),
		...denied,
	},
});
const stats = createRoute({
	method: "get",
	path: "/v1/support/stats",
	tags,
	summary: "Per operator: open conversations, answered today (UTC), median first-response time (30 days)",
	security: bearer,
	middleware: operators,
	responses: { 200: ok("Figures", z.object({ items: z.array(SupportOperatorStats) })), ...denied },
});
const listCanned = createRoute({
	method: "get",
	path: "/v1/support/canned",
	tags,
	summary: "Your canned replies and the shared ones",
	security: bearer,
	middleware: operators,
	responses: { 200: ok("Canned replies", z.object({ items: z.array(SupportCanned) })), ...denied },
});
const addCanned = createRoute({
	method: "post",
	path: "/v1/support/canned",
	tags,
	summary: "Add a canned reply (`shared`: for every operator)",
	security: bearer,
	middleware: operators,
	request: { body: { required: true, content: { "application/json": { schema: SupportCannedInput } } } },
	responses: { 201: ok("Added", SupportCanned), ...denied },
});
const deleteCanned = createRoute({
	method: "delete",
	path: "/v1/support/canned/{id}",
	tags,
	summary: "Delete a canned reply (its author; an admin for shared ones)",
	security: bearer,
	middleware: operators,
	request: { params: z.object({ id: z.coerce.number().int().positive() }) },
	responses: { 204: { description: "Deleted" }, ...denied },
});

export const supportExtraRoutes = createRouter()
	.openapi(note, async (c) => {
		const me = await loadActor(c.env, c.var.auth.userId);
		const added = unwrap(await deskOf(c.env).note(me, c.req.valid("param").id, c.req.valid("json").text));
		return c.json({ note: added }, 201);
	})
	.openapi(transcript, async (c) => {
		const me = await loadActor(c.env, c.var.auth.userId);
		const { id } = c.req.valid("param");
		const t = unwrap(await deskOf(c.env).transcript(me, id));
		const text = c.req.valid("query").format === "text";
		c.header("Content-Disposition", `attachment; filename="support-${id}.${text ? "txt" : "json"}"`);
		if (text) return c.text(transcriptText(t), 200);
		return c.json(t, 200);
	})
	.openapi(stats, async (c) => {
		const me = await loadActor(c.env, c.var.auth.userId);
		return c.json({ items: unwrap(await deskOf(c.env).stats(me)) }, 200);
	})
	.openapi(listCanned, async (c) => {
		const me = await loadActor(c.env, c.var.auth.userId);
		return c.json({ items: unwrap(await deskOf(c.env).canned(me)) }, 200);
	})
	.openapi(addCanned, async (c) => {
		const me = await loadActor(c.env, c.var.auth.userId);
		return c.json(unwrap(await deskOf(c.env).addCanned(me, c.req.valid("json"))), 201);
	})
	.openapi(deleteCanned, async (c) => {
		const me = await loadActor(c.env, c.var.auth.userId);
		unwrap(await deskOf(c.env).deleteCanned(me, c.req.valid("param").id));
		return c.body(null, 204);
	});
