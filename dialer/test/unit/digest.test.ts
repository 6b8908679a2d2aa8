import { describe, expect, it } from "vitest";
import {
	authorization,
	digestResponse,
	parseAuthParams,
	parseChallenge,
	pickChallenge,
} from "../../src/sip/digest.ts";

describe("digest", () => {
	it("matches the RFC 2617 §3.5 example (MD5, qop=auth)", () => {
		const r = digestResponse({
			username: "Mufasa",
			password: "Circle Of Life",
			realm: "testrealm@host.com",
			nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
			method: "GET",
			uri: "/dir/index.html",
			qop: "auth",
			nc: "00000001",
			cnonce: "0a4f113b",
		});
		expect(r).toBe("6629fae49393a05397450978507c4ef1");
	});

	// RFC 8760 defines SHA-256 for SIP by reference to RFC 7616, whose §3.9.1 example this is.
	const rfc7616 = {
		username: "Mufasa",
		password: "Circle of Life",
		realm: "http-auth@example.org",
		nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
		method: "GET",
		uri: "/dir/index.html",
		qop: "auth" as const,
		nc: "00000001",
		cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
	};
	it("matches the RFC 7616/8760 SHA-256 example", () => {
		expect(digestResponse({ ...rfc7616, algorithm: "SHA-256" })).toBe(
			"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
		);
	});
	it("matches the RFC 7616 MD5 example", () => {
		expect(digestResponse({ ...rfc7616, algorithm: "MD5" })).toBe("8ca523f5e9506fed4657c9700eebdbec");
	});

	it("parses challenges with quoted commas", () => {
		const c = parseChallenge(
			'Digest realm="sip.example.com", nonce="abc,def", qop="auth,auth-int", opaque="x", algorithm=MD5, stale=TRUE',
		);
		expect(c).toEqual({
			realm: "sip.example.com",
			nonce: "abc,def",
			opaque: "x",
			algorithm: "MD5",
			qop: ["auth", "auth-int"],
			stale: true,
		});
		expect(parseAuthParams('a="b\\"c", d=e')).toEqual({ a: 'b"c', d: "e" });
	});

	it("prefers SHA-256 when both are offered, and ignores junk", () => {
		const c = pickChallenge([
			'Digest realm="r", nonce="n1", qop="auth"',
			'Digest realm="r", nonce="n2", qop="auth", algorithm=SHA-256',
			"Basic realm=x",
			"Digest garbage",
		]);
		expect(c?.algorithm).toBe("SHA-256");
		expect(c?.nonce).toBe("n2");
		expect(pickChallenge(['Digest realm="r", nonce="n", qop="auth-int"'])).toBeUndefined();
	});

	it("builds an Authorization value the server can verify", () => {
		const c = parseChallenge('Digest realm="r", nonce="n", qop="auth", opaque="o"');
		if (!c) throw new Error("no challenge");
		const v = authorization(c, { username: "alice", password: "pw" }, "INVITE", "sip:1@h", 1);
		const p = parseAuthParams(v.replace(/^Digest\s+/, ""));
		expect(p.nc).toBe("00000001");
		expect(p.opaque).toBe("o");
		expect(p.response).toBe(
			digestResponse({
				username: "alice",
				password: "pw",
				realm: "r",
				nonce: "n",
				method: "INVITE",
				uri: "sip:1@h",
				qop: "auth",
				nc: "00000001",
				cnonce: p.cnonce,
			}),
		);
	});
});
