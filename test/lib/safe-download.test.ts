import { describe, expect, it } from "vitest";
import { safeDownloadHeaders } from "../../src/lib/safe-download";
import { makeCampaign, makeSound } from "../campaigns/helpers";
import { bytes } from "../files/fixtures";
import { api } from "../helpers/http";
import { createTestUser } from "../helpers/users";

const CSP = "default-src 'none'; sandbox";

async function expectSafe(res: Response, disposition: RegExp) {
	expect(res.status).toBe(200);
	expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
	expect(res.headers.get("Content-Security-Policy")).toBe(CSP);
	expect(res.headers.get("Content-Disposition")).toMatch(disposition);
	await res.arrayBuffer();
}

describe("every download of user content carries the same safe headers", () => {
	it("files, sounds (both variants) and the calls.csv export", async () => {
		const alice = await createTestUser();
		const file = (await (
			await api("/v1/files?name=photo.png", {
				method: "POST",
				headers: { ...alice.auth, "Content-Type": "application/octet-stream" },
				body: bytes(100),
			})
		).json()) as { id: string };
		await expectSafe(
			await api(`/v1/files/${file.id}`, { headers: alice.auth }),
			/^attachment; filename="photo.png"$/,
		);
		await expectSafe(
			await api(`/v1/files/${file.id}?disposition=inline`, { headers: alice.auth }),
			/^inline; filename="photo.png"$/,
		);
		const sound = await makeSound(alice);
		for (const q of ["", "?variant=pcmu"]) {
			await expectSafe(
				await api(`/v1/sounds/${sound.id}/audio${q}`, { headers: alice.auth }),
				/^attachment; filename="hello.wav"$/,
			);
		}
		const campaign = await makeCampaign(alice, ["+14155550100"]);
		const csv = await api(`/v1/campaigns/${campaign.id}/calls.csv`, { headers: alice.auth });
		expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
		await expectSafe(csv, /^attachment; filename="campaign-.+-calls\.csv"$/);
	});

	it("grants inline only to raster images: never SVG, HTML, PDF or audio", () => {
		const disposition = (contentType: string) =>
			safeDownloadHeaders({ name: "x", contentType, disposition: "inline" })["Content-Disposition"];
		for (const t of ["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"])
			expect(disposition(t)).toMatch(/^inline/);
		for (const t of ["image/svg+xml", "text/html", "application/pdf", "audio/wav", "video/mp4", "text/plain"])
			expect(disposition(t), t).toMatch(/^attachment/);
		expect(safeDownloadHeaders({ name: "x", contentType: "text/plain" })["Content-Type"]).toBe(
			"text/plain; charset=utf-8",
		);
	});
});
