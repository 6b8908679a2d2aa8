import { ChatView, MemberView } from "@hatch/contract/chats";
import { Attachment, Message, Receipt } from "@hatch/contract/frames";
import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../middleware/auth";

export { Attachment, ChatView, MemberView, Message, Receipt };

const ErrorBody = z
	.object({ error: z.object({ code: z.string(), message: z.string(), requestId: z.string() }) })
	.openapi("ChatError");

export const ChatIdParam = z.object({ chatId: z.string().min(1).max(64) });

export const ChatInfo = ChatView.extend({ members: z.array(MemberView) }).openapi("ChatInfo");

type Method = "get" | "post" | "patch" | "put" | "delete";

/**
 * A bearer-authenticated JSON route with the standard error responses, so
 * each chat/message route states only what differs.
 *
 * @example route("get", "/v1/chats/{chatId}", "Chat info", { params: ChatIdParam, response: ChatInfo })
 */
export function route<
	P extends z.ZodObject | undefined,
	Q extends z.ZodObject | undefined,
	B extends z.ZodType | undefined,
	R extends z.ZodType,
>(
	method: Method,
	path: string,
	summary: string,
	o: {
		params?: P;
		query?: Q;
		body?: B;
		response: R;
		status?: 200 | 201;
		description?: string;
		tags?: string[];
	},
) {
	return createRoute({
		method,
		path,
		summary,
		description: o.description,
		tags: o.tags ?? ["chats"],
		security: [{ bearerAuth: [] }],
		middleware: [requireAuth] as const,
		request: {
			params: o.params as P,
			query: o.query as Q,
			body: (o.body
				? { required: true, content: { "application/json": { schema: o.body } } }
				: undefined) as B extends z.ZodType
				? { required: true; content: { "application/json": { schema: B } } }
				: undefined,
		},
		responses: {
			[o.status ?? 200]: { description: "OK", content: { "application/json": { schema: o.response } } },
			400: { description: "Invalid input", content: { "application/json": { schema: ErrorBody } } },
			401: { description: "No or bad access token", content: { "application/json": { schema: ErrorBody } } },
			403: { description: "Not allowed", content: { "application/json": { schema: ErrorBody } } },
			404: {
				description: "No such chat (or not a member)",
				content: { "application/json": { schema: ErrorBody } },
			},
		} as unknown as {
			[K in 200 | 201]: { description: string; content: { "application/json": { schema: R } } };
		},
	});
}
