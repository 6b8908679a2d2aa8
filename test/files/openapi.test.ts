import { describe, expect, it } from "vitest";
import { api } from "../helpers/http";

type Op = { security?: Record<string, unknown>[]; requestBody?: { content: Record<string, unknown> } };

describe("files in the OpenAPI document", () => {
	it("documents every /v1/files operation with bearer security", async () => {
		const doc = (await (await api("/openapi.json")).json()) as { paths: Record<string, Record<string, Op>> };
		const expected: [string, string][] = [
			["/v1/files", "post"],
			["/v1/files", "get"],
			["/v1/files/{id}", "get"],
			["/v1/files/{id}", "delete"],
			["/v1/files/{id}/content", "get"],
			["/v1/files/{id}/metadata", "get"],
			["/v1/files/uploads", "post"],
			["/v1/files/uploads/{id}", "get"],
			["/v1/files/uploads/{id}", "delete"],
			["/v1/files/uploads/{id}/parts/{n}", "put"],
			["/v1/files/uploads/{id}/complete", "post"],
		];
		for (const [path, method] of expected) {
			const op = doc.paths[path]?.[method];
			expect(op, `${method} ${path}`).toBeDefined();
			expect(op?.security).toEqual([{ bearerAuth: [] }]);
		}
		const upload = doc.paths["/v1/files"]?.post?.requestBody?.content ?? {};
		expect(Object.keys(upload).sort()).toEqual(["application/octet-stream", "multipart/form-data"]);
	});
});
