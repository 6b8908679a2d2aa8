import { ShortName } from "@hatch/contract/names";
import { createRoute, z } from "@hono/zod-openapi";
import { sanitizeFileName } from "../domain/files/names";
import { MAX_SOUND_BYTES } from "../domain/sounds/audio";
import { createSound, deleteSound, getOwnedSound, listSounds, soundView } from "../domain/sounds/sounds";
import { ApiError } from "../errors";
import { readUpload, uploadName } from "../lib/read-upload";
import { createRouter } from "../lib/router";
import { safeDownloadHeaders } from "../lib/safe-download";
import { errors, IdParam, json, ownedResource, security } from "./owned-resource";

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
const binary = { schema: z.string().openapi({ type: "string", format: "binary" }) };

export const soundRoutes = createRouter();
const sounds = ownedResource(soundRoutes, { path: "/v1/sounds", tags });

soundRoutes.openapi(
	createRoute({
		method: "post",
		path: "/v1/sounds",
		tags,
		security,
		summary:
			"Upload a WAV or MP3 (raw body, or multipart with a `file` part); WAV is converted to G.711 µ-law once",
		request: {
			query: z.object({ name: ShortName(100).optional() }),
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
		const name = c.req.valid("query").name ?? uploadName(upload, 100) ?? "sound";
		const row = await createSound(c.env, c.var.db, c.var.auth.userId, name, upload.bytes);
		return c.json(soundView(row), 201);
	},
);

sounds.list("Your sounds, newest first", Sound, listSounds, soundView);
sounds.get("One sound", Sound, getOwnedSound, soundView);

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
		const contentType = obj.httpMetadata?.contentType ?? "application/octet-stream";
		const ext = contentType === "audio/mpeg" ? ".mp3" : ".wav";
		const stem = sanitizeFileName(sound.name, "sound");
		return new Response(obj.body, {
			headers: {
				...safeDownloadHeaders({
					name: stem.toLowerCase().endsWith(ext) ? stem : `${stem}${ext}`,
					contentType,
				}),
				ETag: obj.httpEtag,
				"Content-Length": String(obj.size),
			},
		});
	},
);

sounds.delete("Delete a sound", getOwnedSound, (sound, env, db) => deleteSound(env, db, sound));
