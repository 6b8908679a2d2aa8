import type { FileInfo } from "@hatch/contract/files";
import type { Api } from "./api.ts";

export type { FileInfo };

type Upload = { id: string; part_size: number; part_count: number; parts: { part_number: number }[] };

export type Progress = { loaded: number; total: number };

/**
 * Files over REST. `upload` uses the resumable API (R2 multipart): parts
 * the server already holds are skipped, so calling it again with the same
 * `resume` id after a failure sends only what is missing.
 *
 * @example const file = await hatch.files.upload(blob, { name: "photo.png", onProgress: (p) => bar.value = p.loaded / p.total });
 */
export class Files {
	constructor(private readonly api: Api) {}

	async upload(
		blob: Blob,
		opts: {
			name: string;
			partSize?: number;
			resume?: string;
			onProgress?: (p: Progress) => void;
			onUploadId?: (id: string) => void;
		},
	): Promise<FileInfo> {
		const upload = opts.resume
			? await this.api.json<Upload>("GET", `/v1/files/uploads/${opts.resume}`)
			: await this.api.json<Upload>("POST", "/v1/files/uploads", {
					body: { name: opts.name, size: blob.size, ...(opts.partSize ? { part_size: opts.partSize } : {}) },
				});
		opts.onUploadId?.(upload.id);
		const have = new Set(upload.parts.map((p) => p.part_number));
		let loaded = 0;
		for (let n = 1; n <= upload.part_count; n++) {
			const part = blob.slice((n - 1) * upload.part_size, n * upload.part_size);
			if (!have.has(n))
				await this.api.send("PUT", `/v1/files/uploads/${upload.id}/parts/${n}`, {
					body: part,
					headers: { "Content-Type": "application/octet-stream" },
				});
			loaded += part.size;
			opts.onProgress?.({ loaded, total: blob.size });
		}
		return this.api.json<FileInfo>("POST", `/v1/files/uploads/${upload.id}/complete`);
	}

	/** Downloads a file the caller may see, reporting progress as the bytes arrive. */
	async download(id: string, onProgress?: (p: Progress) => void): Promise<Blob> {
		const res = await this.api.send("GET", `/v1/files/${id}`);
		const total = Number(res.headers.get("Content-Length") ?? 0);
		if (!res.body || !onProgress) return res.blob();
		const reader = res.body.getReader();
		const chunks: Uint8Array[] = [];
		let loaded = 0;
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
			loaded += value.byteLength;
			onProgress({ loaded, total: total || loaded });
		}
		return new Blob(chunks as BlobPart[], { type: res.headers.get("Content-Type") ?? "" });
	}

	metadata(id: string): Promise<FileInfo> {
		return this.api.json<FileInfo>("GET", `/v1/files/${id}/metadata`);
	}
}
