import { z } from "zod";

/**
 * A stored file as the API describes it (`POST /v1/files`, upload completion,
 * `GET /v1/files/{id}/metadata`), declared once: the Worker answers with it and
 * documents it in /openapi.json, the SDK reads it.
 */
export const FileInfo = z
	.object({
		id: z.string(),
		name: z.string(),
		size: z.number().int(),
		content_type: z.string().meta({ description: "Sniffed from the file's first bytes" }),
		checksum: z.string().meta({ description: "SHA-256 of the content, lowercase hex" }),
		owner_id: z.string(),
		created_at: z.string(),
	})
	.meta({ id: "File" });
export type FileInfo = z.infer<typeof FileInfo>;
