import { findReadableFile } from "../../domain/files/access";
import { fileNotFound } from "../../domain/files/errors";
import { readFormUpload } from "../../domain/files/form-stream";
import { sanitizeFileName } from "../../domain/files/names";
import { serveFile } from "../../domain/files/serve";
import { uploadFile } from "../../domain/files/upload";
import { ApiError } from "../../errors";
import { createRouter } from "../../lib/router";
import { fileDeps, limitFileCreation } from "../../routes/file-schemas";
import { sessionAuth } from "./session";

/**
 * The seed's file module under `/vN/session/$SESSION_ID/file`: a
 * multipart/form-data POST answers 201 with the new file's id as the body;
 * GET `…/file/$ID` returns the file. Files are Hatch's own: the id works at
 * /v1/files/{id} too.
 */
export const eggFileRoutes = createRouter()
	.use("*", async (c, next) => {
		c.set("auth", await sessionAuth(c, c.req.param("sid") ?? ""));
		await next();
	})
	.post("/", async (c) => {
		const type = c.req.header("Content-Type") ?? "";
		if (!/^multipart\/form-data/i.test(type))
			throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "Send the file as multipart/form-data");
		await limitFileCreation(c);
		const body = c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() });
		const form = await readFormUpload(body, type, "file");
		const name = sanitizeFileName(form.fields.name || form.filename);
		const row = await uploadFile(fileDeps(c), { ownerId: c.var.auth.userId, name, body: form.stream });
		return c.text(row.id, 201);
	})
	.get("/:id", async (c) => {
		const file = await findReadableFile(c.var.db, c.req.param("id"), c.var.auth.userId);
		if (!file) throw fileNotFound();
		return serveFile({ bucket: c.env.FILES, log: c.var.log }, file, c.req.raw, "attachment");
	});
