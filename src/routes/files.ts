import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { FileRow } from "../db/schema";
import { findReadableFile } from "../domain/files/access";
import { fileNotFound } from "../domain/files/errors";
import { readFormUpload } from "../domain/files/form-stream";
import { deleteFile, listOwnFiles } from "../domain/files/manage";
import { sanitizeFileName } from "../domain/files/names";
import { fileInfo } from "../domain/files/repo";
import { serveFile } from "../domain/files/serve";
import { uploadFile } from "../domain/files/upload";
import type { AppEnv } from "../env";
import { pageQuery, pageSchema } from "../lib/pagination";
import { createRouter } from "../lib/router";
import { requireAuth } from "../middleware/auth";
import {
	contentLength,
	err,
	FileId,
	FileInfo,
	fileDeps,
	fileSecurity,
	fileTags,
	json,
	limitFileCreation,
} from "./file-schemas";

const auth = { tags: fileTags, security: fileSecurity, middleware: [requireAuth] };

const upload = createRoute({
	method: "post",
	path: "/v1/files",
	summary: "Upload a file (HTML form or raw body)",
	description: [
		"Either `multipart/form-data` with a `file` part (and optionally a `name` field before it), as an HTML form posts,",
		"or the raw bytes as the body with any other Content-Type (`application/octet-stream` is fine) and the name in",
		"`?name=` or an `X-File-Name` header (percent-encoded UTF-8). The body is streamed to storage, never held whole.",
		"The content type is sniffed from the first bytes; the client's Content-Type is ignored.",
		"For files larger than one request can carry, use `POST /v1/files/uploads`.",
	].join(" "),
	...auth,
	request: {
		query: z.object({ name: z.string().max(1024).optional() }),
		body: {
			required: true,
			content: {
				"multipart/form-data": {
					schema: {
						type: "object",
						properties: { name: { type: "string" }, file: { type: "string", format: "binary" } },
						required: ["file"],
					},
				},
				"application/octet-stream": { schema: { type: "string", format: "binary" } },
			},
		},
	},
	responses: {
		201: json(FileInfo, "Stored"),
		400: err("Malformed form, empty or truncated body (INVALID_MULTIPART, EMPTY_FILE, BODY_INCOMPLETE)"),
		401: err("No or bad token"),
		413: err("FILE_TOO_LARGE or QUOTA_EXCEEDED; nothing is stored"),
		415: err("UNSUPPORTED_FILE_TYPE: the sniffed type is not accepted; nothing is stored"),
		429: err("RATE_LIMITED: more than 60 new files a minute"),
	},
});

const list = createRoute({
	method: "get",
	path: "/v1/files",
	summary: "List my files, newest first",
	description:
		"Cursor pagination: pass one page's `page_token` to get the next. `status=uploading` lists open resumable uploads.",
	...auth,
	request: {
		query: pageQuery({ size: 50 }).extend({
			page_token: FileId.optional().openapi({ param: { name: "page_token", in: "query" } }),
			status: z.enum(["ready", "uploading"]).default("ready"),
		}),
	},
	responses: {
		200: json(pageSchema(FileInfo), "A page"),
		400: err("Invalid query"),
		401: err("No or bad token"),
	},
});

const metadata = createRoute({
	method: "get",
	path: "/v1/files/{id}/metadata",
	summary: "A file's metadata",
	...auth,
	request: { params: z.object({ id: FileId }) },
	responses: {
		200: json(FileInfo, "The file"),
		401: err("No or bad token"),
		404: err("No such file, or not yours to see"),
	},
});

const downloadDoc = (path: string, summary: string) =>
	createRoute({
		method: "get",
		path,
		summary,
		description: [
			"Streams the bytes from R2. Strong `ETag` (the SHA-256) with `If-None-Match` → 304; one `Range` → 206",
			"(several ranges are answered with the whole file; an unsatisfiable one → 416); `If-Range` honoured.",
			"`disposition=inline` is granted only to raster images (PNG, JPEG, GIF, WebP, AVIF); every download has `nosniff` and a sandboxing CSP. Readable by the uploader and",
			"active members of chats where the file was attached; anyone else gets 404.",
		].join(" "),
		...auth,
		request: {
			params: z.object({ id: FileId }),
			query: z.object({ disposition: z.enum(["attachment", "inline"]).default("attachment") }),
		},
		responses: {
			200: {
				description: "The file",
				content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
			},
			206: { description: "The requested range" },
			304: { description: "Not modified" },
			401: err("No or bad token"),
			404: err("No such file, or not yours to see"),
			416: err("RANGE_NOT_SATISFIABLE"),
		},
	});

const remove = createRoute({
	method: "delete",
	path: "/v1/files/{id}",
	summary: "Delete my file",
	description: "Removes the bytes; messages that carried the file show it as deleted. Only the uploader may.",
	...auth,
	request: { params: z.object({ id: FileId }) },
	responses: {
		204: { description: "Deleted" },
		401: err("No or bad token"),
		403: err("Shared with you, but not yours to delete"),
		404: err("No such file, or not yours to see"),
	},
});

/** The raw-body name: `?name=`, else `X-File-Name` (percent-encoded UTF-8). */
function rawName(c: Context<AppEnv>, query: string | undefined): string | undefined {
	if (query) return query;
	const header = c.req.header("X-File-Name");
	if (!header) return undefined;
	try {
		return decodeURIComponent(header);
	} catch {
		return header;
	}
}

async function download(c: Context<AppEnv>, id: string, disposition: "attachment" | "inline") {
	const file = await findReadableFile(c.var.db, id, c.var.auth.userId);
	if (!file) throw fileNotFound();
	return serveFile({ bucket: c.env.FILES, log: c.var.log }, file, c.req.raw, disposition);
}

export const fileRoutes = createRouter()
	.openapi(upload, async (c) => {
		await limitFileCreation(c);
		const type = c.req.header("Content-Type") ?? "";
		const body = c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() });
		let row: FileRow;
		if (/^multipart\/form-data/i.test(type)) {
			const form = await readFormUpload(body, type, "file");
			const name = sanitizeFileName(form.fields.name || form.filename);
			row = await uploadFile(fileDeps(c), { ownerId: c.var.auth.userId, name, body: form.stream });
		} else {
			const name = sanitizeFileName(rawName(c, c.req.valid("query").name));
			row = await uploadFile(fileDeps(c), {
				ownerId: c.var.auth.userId,
				name,
				body,
				contentLength: contentLength(c),
			});
		}
		return c.json(fileInfo(row), 201, { Location: `/v1/files/${row.id}` });
	})
	.openapi(list, async (c) => {
		const q = c.req.valid("query");
		const page = await listOwnFiles(c.var.db, c.var.auth.userId, {
			limit: q.page_size,
			cursor: q.page_token,
			status: q.status,
		});
		return c.json({ items: page.rows.map(fileInfo), page_token: page.nextCursor }, 200);
	})
	.openapi(metadata, async (c) => {
		const file = await findReadableFile(c.var.db, c.req.valid("param").id, c.var.auth.userId);
		if (!file) throw fileNotFound();
		return c.json(fileInfo(file), 200);
	})
	.openapi(downloadDoc("/v1/files/{id}", "Download a file"), (c) =>
		download(c, c.req.valid("param").id, c.req.valid("query").disposition),
	)
	.openapi(downloadDoc("/v1/files/{id}/content", "Download a file (same as GET /v1/files/{id})"), (c) =>
		download(c, c.req.valid("param").id, c.req.valid("query").disposition),
	)
	.openapi(remove, async (c) => {
		const env = c.env;
		await deleteFile(
			{
				db: c.var.db,
				bucket: env.FILES,
				chatRoom: (chatId) => env.CHAT_ROOM.get(env.CHAT_ROOM.idFromName(chatId)),
				log: c.var.log,
			},
			{ userId: c.var.auth.userId, fileId: c.req.valid("param").id },
		);
		return c.body(null, 204);
	});
