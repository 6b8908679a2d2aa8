import { createRoute, z } from "@hono/zod-openapi";
import { sanitizeFileName } from "../domain/files/names";
import { fileInfo } from "../domain/files/repo";
import {
	abortUpload,
	completeUpload,
	createUpload,
	DEFAULT_PART_BYTES,
	getUpload,
	MAX_PART_BYTES,
	uploadPart,
} from "../domain/files/resumable";
import { R2_MIN_PART_BYTES } from "../domain/files/store";
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
	UploadState,
} from "./file-schemas";

const auth = { tags: fileTags, security: fileSecurity, middleware: [requireAuth] };
const Params = z.object({ id: FileId });

const CreateUpload = z
	.object({
		name: z.string().min(1).max(1024),
		size: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
		part_size: z
			.number()
			.int()
			.min(R2_MIN_PART_BYTES)
			.max(MAX_PART_BYTES)
			.optional()
			.openapi({ description: `Bytes per part (every part but the last); default ${DEFAULT_PART_BYTES}` }),
	})
	.openapi("CreateUpload");

const create = createRoute({
	method: "post",
	path: "/v1/files/uploads",
	summary: "Start a resumable upload (large files)",
	description: [
		"Declares the name and total size; the size is checked against the limits and reserved from the quota now.",
		"Then PUT each part (1…part_count, each exactly part_size bytes but the last) in any order or in parallel,",
		"GET the upload to see which parts arrived (to resume after a failure), and POST …/complete.",
		"Uploads expire after 7 days.",
	].join(" "),
	...auth,
	request: { body: { required: true, content: { "application/json": { schema: CreateUpload } } } },
	responses: {
		201: json(UploadState, "Upload opened"),
		400: err("Invalid body"),
		401: err("No or bad token"),
		413: err("FILE_TOO_LARGE or QUOTA_EXCEEDED; nothing is stored"),
		429: err("RATE_LIMITED: more than 60 new files a minute"),
	},
});

const show = createRoute({
	method: "get",
	path: "/v1/files/uploads/{id}",
	summary: "An open upload and the parts stored so far",
	...auth,
	request: { params: Params },
	responses: {
		200: json(UploadState, "The upload"),
		401: err("No or bad token"),
		404: err("No such open upload of yours"),
		410: err("UPLOAD_EXPIRED"),
	},
});

const part = createRoute({
	method: "put",
	path: "/v1/files/uploads/{id}/parts/{n}",
	summary: "Upload one part (raw body, streamed to R2)",
	description:
		"Send the raw bytes with `Content-Type: application/octet-stream`. Sending a part again replaces it. Part 1's first bytes decide the content type: one that is not accepted aborts the whole upload (415).",
	...auth,
	request: {
		params: Params.extend({ n: z.coerce.number().int().min(1).max(10_000) }),
		body: {
			required: true,
			content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
		},
	},
	responses: {
		200: json(
			z.object({ part_number: z.number().int(), size: z.number().int(), checksum: z.string() }),
			"Stored",
		),
		400: err("PART_SIZE_MISMATCH, BODY_INCOMPLETE or a part number past the end"),
		401: err("No or bad token"),
		404: err("No such open upload of yours"),
		410: err("UPLOAD_EXPIRED"),
		415: err("UNSUPPORTED_FILE_TYPE: the upload was aborted"),
	},
});

const complete = createRoute({
	method: "post",
	path: "/v1/files/uploads/{id}/complete",
	summary: "Finish an upload once every part is stored",
	...auth,
	request: { params: Params },
	responses: {
		201: json(FileInfo, "The file, ready"),
		401: err("No or bad token"),
		404: err("No such open upload of yours"),
		409: err("UPLOAD_INCOMPLETE: `details.missing` lists the parts still to send"),
		410: err("UPLOAD_EXPIRED"),
	},
});

const abort = createRoute({
	method: "delete",
	path: "/v1/files/uploads/{id}",
	summary: "Abandon an upload; R2 drops its parts",
	...auth,
	request: { params: Params },
	responses: {
		204: { description: "Aborted" },
		401: err("No or bad token"),
		404: err("No such open upload of yours"),
	},
});

export const fileUploadRoutes = createRouter()
	.openapi(create, async (c) => {
		await limitFileCreation(c);
		const body = c.req.valid("json");
		const state = await createUpload(fileDeps(c), {
			ownerId: c.var.auth.userId,
			name: sanitizeFileName(body.name),
			size: body.size,
			partSize: body.part_size,
		});
		return c.json(state, 201, { Location: `/v1/files/uploads/${state.id}` });
	})
	.openapi(show, async (c) =>
		c.json(await getUpload(fileDeps(c), c.var.auth.userId, c.req.valid("param").id), 200),
	)
	.openapi(part, async (c) => {
		const { id, n } = c.req.valid("param");
		const stored = await uploadPart(fileDeps(c), {
			ownerId: c.var.auth.userId,
			id,
			partNumber: n,
			body: c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() }),
			contentLength: contentLength(c),
		});
		return c.json(stored, 200);
	})
	.openapi(complete, async (c) => {
		const row = await completeUpload(fileDeps(c), {
			ownerId: c.var.auth.userId,
			id: c.req.valid("param").id,
		});
		return c.json(fileInfo(row), 201, { Location: `/v1/files/${row.id}` });
	})
	.openapi(abort, async (c) => {
		await abortUpload(fileDeps(c), { ownerId: c.var.auth.userId, id: c.req.valid("param").id });
		return c.body(null, 204);
	});
