/**
 * Webhook signatures: `Hatch-Signature: t=<unix seconds>,v1=<hex>` where the
 * hex is HMAC-SHA256(secret, `<t>.<raw body>`), as Stripe does, so receivers
 * can reject replays by the timestamp and forgeries by the MAC.
 *
 * @example const header = await signWebhook(secret, body); // "t=1700000000,v1=5f2c…"
 */
export async function signWebhook(
	secret: string,
	body: string,
	nowS = Math.floor(Date.now() / 1000),
): Promise<string> {
	return `t=${nowS},v1=${await hmacHex(secret, `${nowS}.${body}`)}`;
}

/** Receiver side: checks the MAC and that the timestamp is within `toleranceS`. */
export async function verifyWebhook(
	secret: string,
	body: string,
	header: string,
	toleranceS = 300,
	nowS = Math.floor(Date.now() / 1000),
): Promise<boolean> {
	const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
	const t = Number(parts.t);
	if (!Number.isFinite(t) || Math.abs(nowS - t) > toleranceS || !parts.v1) return false;
	const expected = await hmacHex(secret, `${t}.${body}`);
	if (expected.length !== parts.v1.length) return false;
	let diff = 0;
	for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ parts.v1.charCodeAt(i);
	return diff === 0;
}

async function hmacHex(secret: string, message: string): Promise<string> {
	const key = await crypto.subtle.importKey(
		"raw",
		new TextEncoder().encode(secret),
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["sign"],
	);
	const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message));
	return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
