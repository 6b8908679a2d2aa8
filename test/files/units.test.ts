import { describe, expect, it } from "vitest";
import { readFormUpload } from "../../src/domain/files/form-stream";
import { noneMatch, parseRange } from "../../src/domain/files/http";
import { fileLimits, isAllowedType } from "../../src/domain/files/limits";
import { sanitizeFileName } from "../../src/domain/files/names";
import { sniffContentType } from "../../src/domain/files/sniff";
import { ApiError } from "../../src/errors";
import { contentDisposition } from "../../src/lib/safe-download";

const enc = new TextEncoder();
const b = (...xs: (number | string)[]) =>
	Uint8Array.from(xs.flatMap((x) => (typeof x === "string" ? [...enc.encode(x)] : [x])));

describe("sniffContentType", () => {
	it.each([
		[b(0x89, "PNG\r\n", 0x1a, "\n", 0, 0), "image/png"],
		[b(0xff, 0xd8, 0xff, 0xe0), "image/jpeg"],
		[b("GIF89a", 1, 0), "image/gif"],
		[b("RIFF", 0, 0, 0, 0, "WEBPVP8 "), "image/webp"],
		[b("RIFF", 0, 0, 0, 0, "WAVEfmt "), "audio/wav"],
		[b("%PDF-1.7\n"), "application/pdf"],
		[b("PK", 3, 4, 20, 0), "application/zip"],
		[b("ID3", 4, 0), "audio/mpeg"],
		[b(0xff, 0xfb, 0x90, 0x64), "audio/mpeg"],
		[b("OggS", 0, 2), "audio/ogg"],
		[b(0, 0, 0, 0x20, "ftypisom", 0, 0), "video/mp4"],
		[b(0, 0, 0, 0x20, "ftypM4A ", 0, 0), "audio/mp4"],
		[b(0, 0, 0, 0x20, "ftypheic", 0, 0), "image/heic"],
		[b(0x1a, 0x45, 0xdf, 0xa3), "video/webm"],
		[b("MZ", 0x90, 0), "application/x-msdownload"],
		[b(0x7f, "ELF", 2, 1), "application/x-executable"],
		[b("hello, world\n"), "text/plain"],
		[b("BMW is a car"), "text/plain"],
		[enc.encode("привет"), "text/plain"],
		[b("  <!DOCTYPE html><p>x"), "text/html"],
		[b('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'), "image/svg+xml"],
		[b(0, 1, 2, 3, 0xfe), "application/octet-stream"],
	])("sniffs %#", (head, type) => {
		expect(sniffContentType(head, true)).toBe(type);
	});

	it("tolerates a UTF-8 character cut at the end of the sniffed window, but not in a complete file", () => {
		const cut = enc.encode("да").subarray(0, 3);
		expect(sniffContentType(cut, false)).toBe("text/plain");
		expect(sniffContentType(cut, true)).toBe("application/octet-stream");
	});
});

describe("sanitizeFileName", () => {
	it.each([
		["photo.png", "photo.png"],
		["C:\\fakepath\\photo.png", "photo.png"],
		["../../etc/passwd", "passwd"],
		["evil\u202Egnp.exe", "evil gnp.exe"],
		["a\u0000b\nc.txt", "a b c.txt"],
		["  ..hidden.  ", "hidden"],
		["..", "file"],
		["", "file"],
		["Cafe\u0301.txt", "Café.txt"],
	])("%j → %j", (raw, clean) => {
		expect(sanitizeFileName(raw)).toBe(clean);
	});

	it("caps names at 255 UTF-8 bytes, keeping the extension and whole characters", () => {
		const name = sanitizeFileName(`${"я".repeat(300)}.pdf`);
		expect(enc.encode(name).length).toBeLessThanOrEqual(255);
		expect(name.endsWith("я.pdf")).toBe(true);
	});
});

describe("HTTP helpers", () => {
	it("parses ranges", () => {
		expect(parseRange("bytes=0-0", 10)).toEqual({ offset: 0, length: 1 });
		expect(parseRange("bytes=5-", 10)).toEqual({ offset: 5, length: 5 });
		expect(parseRange("bytes=-3", 10)).toEqual({ offset: 7, length: 3 });
		expect(parseRange("bytes=10-", 10)).toBe("unsatisfiable");
		expect(parseRange("bytes=0-1,3-4", 10)).toBeUndefined();
		expect(parseRange("bytes=abc", 10)).toBeUndefined();
		expect(parseRange(undefined, 10)).toBeUndefined();
	});

	it("matches entity tags weakly", () => {
		expect(noneMatch('W/"a", "b"', '"b"')).toBe(true);
		expect(noneMatch('"a"', '"b"')).toBe(false);
		expect(noneMatch(undefined, '"b"')).toBe(false);
	});

	it("writes RFC 6266 Content-Disposition", () => {
		expect(contentDisposition("attachment", "a b.txt")).toBe('attachment; filename="a b.txt"');
		expect(contentDisposition("attachment", 'say "hi".txt')).toBe(
			"attachment; filename=\"say _hi_.txt\"; filename*=UTF-8''say%20%22hi%22.txt",
		);
		expect(contentDisposition("inline", "日本.png")).toBe(
			"inline; filename=\"__.png\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.png",
		);
	});
});

describe("limits", () => {
	it("reads the operator's vars and refuses a malformed one", () => {
		const l = fileLimits({
			FILES_MAX_BYTES: "100",
			FILES_QUOTA_BYTES: "1000",
			FILES_ALLOWED_TYPES: "image/png, audio/*",
		});
		expect(l).toEqual({ maxFileBytes: 100, quotaBytes: 1000, allowedTypes: ["image/png", "audio/*"] });
		expect(isAllowedType("audio/ogg", l.allowedTypes)).toBe(true);
		expect(isAllowedType("image/gif", l.allowedTypes)).toBe(false);
		expect(() => fileLimits({ FILES_MAX_BYTES: "10GB" })).toThrow();
	});
});

describe("readFormUpload", () => {
	const stream = (text: string | Uint8Array, chunk = 3) => {
		const data = typeof text === "string" ? enc.encode(text) : text;
		let at = 0;
		return new ReadableStream<Uint8Array>({
			pull(ctl) {
				if (at >= data.length) return ctl.close();
				ctl.enqueue(data.slice(at, at + chunk));
				at += chunk;
			},
		});
	};
	const read = async (s: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(s).arrayBuffer());

	it("handles a preamble, quoted boundary, filename* and a body containing boundary look-alikes", async () => {
		const content = "line\r\n--X not quite\r\n-";
		const body = `preamble\r\n--XY\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n--XY\r\nContent-Disposition: form-data; name="file"; filename="x"; filename*=UTF-8''%D1%84.txt\r\n\r\n${content}\r\n--XY--\r\n`;
		const form = await readFormUpload(stream(body), 'multipart/form-data; boundary="XY"');
		expect(form.fields).toEqual({ note: "hi" });
		expect(form.filename).toBe("ф.txt");
		expect(new TextDecoder().decode(await read(form.stream))).toBe(content);
	});

	it("errors the file stream when the body ends before the closing boundary", async () => {
		const body = '--XY\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\npartial data';
		const form = await readFormUpload(stream(body), "multipart/form-data; boundary=XY");
		const err = await read(form.stream).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ApiError);
		expect((err as ApiError).code).toBe("INVALID_MULTIPART");
	});

	it("refuses an oversized field", async () => {
		const body = `--XY\r\nContent-Disposition: form-data; name="note"\r\n\r\n${"x".repeat(20_000)}\r\n--XY--`;
		const err = await readFormUpload(stream(body, 4096), "multipart/form-data; boundary=XY").catch(
			(e: unknown) => e,
		);
		expect((err as ApiError).code).toBe("INVALID_MULTIPART");
	});
});
