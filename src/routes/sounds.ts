import { createRoute, z } from "@hono/zod-openapi";
import { MAX_SOUND_BYTES } from "../domain/sounds/audio";
import { createSound, deleteSound, getOwnedSound, listSounds, soundView } from "../domain/sounds/sounds";
import { ApiError } from "../errors";
import { decodePageToken, pageOf, pageQuery, pageSchema, UUID_CURSOR } from "../lib/pagination";
import { readUpload } from "../lib/read-upload";
import { createRouter } from "../lib/router";
import { requireAuth } from "../middleware/auth";

const security = [{ bearerAuth: [] }];
const tags = ["voice: sounds"];
const Sound = z
	.object({
		id: z.string(),
		name: z.string(),
		format: z.enum(["wav", "mp3"]),
		duration_ms: z.number(),
		size_bytes: z.number(),
		sample_rate: z.number(),
		channels: z.number(),
		converted: z.enum(["pcmu"]).nullable(),
		created_at: z.string(),
	})
	.openapi("Sound");
const IdParam = z.object({ id: z.string().min(1).max(64) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({
	description,
	content: { "application/json": { schema } },
});
const errors = {
	400: { description: "Invalid input" },
	401: { description: "Not signed in" },
	404: { description: "Not found" },
};
const binary = { schema: z.string().openapi({ type: "string", format: "binary" }) };

export const soundRoutes = createRouter();
soundRoutes.use("/v1/sounds", requireAuth);
soundRoutes.use("/v1/sounds/*", requireAuth);

soundRoutes.openapi(
	createRoute({
		method: "post",
		path: "/v1/sounds",
		tags,
		security,
		summary:
			"Upload a WAV or MP3 (raw body, or multipart with a `file` part); WAV is converted to G.711 µ-law once",
		request: {
			query: z.object({ name: z.string().trim().min(1).max(100).optional() }),
			body: {
				content: { "audio/wav": binary, "audio/mpeg": binary, "application/octet-stream": binary },
				required: true,
			},
		},
		responses: {
			201: json(Sound, "Stored"),
			413: { description: "AUDIO_TOO_LARGE / PAYLOAD_TOO_LARGE" },
			422: { description: "AUDIO_EMPTY / AUDIO_MALFORMED / AUDIO_UNSUPPORTED_FORMAT / AUDIO_TOO_LONG" },
			...errors,
		},
	}),
	async (c) => {
		const upload = await readUpload(c.req.raw, MAX_SOUND_BYTES);
		const name =
			c.req.valid("query").name ??
			upload.fields.name?.trim().slice(0, 100) ??
			upload.filename?.slice(0, 100) ??
			"sound";
		if (!name) throw new ApiError("VALIDATION_FAILED", "name must not be empty");
		const row = await createSound(c.env, c.var.db, c.var.auth.userId, name, upload.bytes);
		return c.json(soundView(row), 201);
	},
);

soundRoutes.openapi(
	createRoute({
		method: "get",
		path: "/v1/sounds",
		tags,
		security,
		summary: "Your sounds, newest first",
		request: { query: pageQuery() },
		responses: { 200: json(pageSchema(Sound), "Sounds"), ...errors },
	}),
	async (c) => {
		const q = c.req.valid("query");
		const before = decodePageToken(q.page_token, UUID_CURSOR);
		const rows = await listSounds(c.var.db, c.var.auth.userId, q.page_size + 1, before);
		return c.json(pageOf(rows, q.page_size, soundView), 200);
	},
);

soundRoutes.openapi(
	createRoute({
		method: "get",
		path: "/v1/sounds/{id}",
		tags,
		security,
		summary: "One sound",
		request: { params: IdParam },
		responses: { 200: json(Sound, "The sound"), ...errors },
	}),
	async (c) =>
		c.json(soundView(await getOwnedSound(c.var.db, c.var.auth.userId, c.req.valid("param").id)), 200),
);

soundRoutes.openapi(
	createRoute({
		method: "get",
		path: "/v1/sounds/{id}/audio",
		tags,
		security,
		summary: "Download the sound (`?variant=pcmu` for the converted 8 kHz µ-law WAV)",
		request: {
			params: IdParam,
			query: z.object({ variant: z.enum(["original", "pcmu"]).default("original") }),
		},
		responses: {
			200: { description: "Audio", content: { "audio/wav": binary, "audio/mpeg": binary } },
			...errors,
		},
	}),
	async (c) => {
		const sound = await getOwnedSound(c.var.db, c.var.auth.userId, c.req.valid("param").id);
		const key = c.req.valid("query").variant === "pcmu" ? sound.convertedKey : sound.originalKey;
		if (!key)
			throw new ApiError("NOT_FOUND", "This sound has no converted copy (MP3 is converted by the dialer)");
		const obj = await c.env.FILES.get(key);
		if (!obj) throw new ApiError("NOT_FOUND", "Sound data not found");
		return new Response(obj.body, {
			headers: {
				"Content-Type": obj.httpMetadata?.contentType ?? "application/octet-stream",
				ETag: obj.httpEtag,
				"Content-Length": String(obj.size),
			},
		});
	},
);

soundRoutes.openapi(
	createRoute({
		method: "delete",
		path: "/v1/sounds/{id}",
		tags,
		security,
		summary: "Delete a sound",
		request: { params: IdParam },
		responses: { 204: { description: "Deleted" }, ...errors },
	}),
	async (c) => {
		const sound = await getOwnedSound(c.var.db, c.var.auth.userId, c.req.valid("param").id);
		await deleteSound(c.env, c.var.db, sound);
		return c.body(null, 204);
	},
);
