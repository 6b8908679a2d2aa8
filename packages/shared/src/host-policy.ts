/**
 * Which SIP gateway hosts a trunk may point at. The dialer runs inside our
 * network, so a trunk aimed at 10.0.0.1 or 169.254.169.254 would turn it into
 * a probe of internal services. The deny list is a var (SIP_HOST_DENY): named
 * groups and/or CIDRs, comma separated. Production denies every non-public
 * range; development and tests leave loopback open so sipp on 127.0.0.1 works.
 *
 * Hostnames cannot be resolved here; "localhost" (and *.localhost) count as
 * loopback, and the dialer re-checks what a name resolves to.
 *
 * @example isHostDenied("10.1.2.3", "private,loopback") // "private"
 */
const GROUPS: Record<string, string[]> = {
	private: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
	loopback: ["127.0.0.0/8", "::1/128"],
	"link-local": ["169.254.0.0/16", "fe80::/10"],
	cgnat: ["100.64.0.0/10"],
	multicast: ["224.0.0.0/4", "ff00::/8"],
	reserved: [
		"0.0.0.0/8",
		"240.0.0.0/4",
		"255.255.255.255/32",
		"192.0.0.0/24",
		"198.18.0.0/15",
		"::/128",
		"64:ff9b::/96",
	],
};

/** Production default, also what wrangler.toml ships. */
export const DEFAULT_HOST_DENY = "private,loopback,link-local,cgnat,multicast,reserved";

/** Returns the rule that denies `host`, or null when it is allowed. */
export function isHostDenied(host: string, policy: string = DEFAULT_HOST_DENY): string | null {
	const rules = rulesOf(policy);
	const h = host
		.trim()
		.toLowerCase()
		.replace(/^\[|\]$/g, "")
		.replace(/\.$/, "");
	if (h === "localhost" || h.endsWith(".localhost")) return rules.includes("loopback") ? "loopback" : null;
	let addr = parseIp(h);
	if (!addr) return null;
	// IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
	if (
		addr.length === 16 &&
		addr.slice(0, 10).every((b) => b === 0) &&
		addr[10] === 0xff &&
		addr[11] === 0xff
	) {
		addr = addr.slice(12);
	}
	for (const rule of rules) {
		for (const cidr of GROUPS[rule] ?? [rule]) {
			if (inCidr(addr, cidr)) return rule;
		}
	}
	return null;
}

/**
 * Why `policy` is not a deny list (a rule that is neither a group nor a CIDR),
 * or null. A typo such as `privte` would otherwise match nothing and leave
 * that range open without a word.
 * @example hostPolicyProblem("private,10.0.0.0/33") // "… 10.0.0.0/33 …"
 */
export function hostPolicyProblem(policy: string): string | null {
	for (const rule of rulesOf(policy)) {
		if (GROUPS[rule]) continue;
		const [base, bits, extra] = rule.split("/");
		const net = base ? parseIp(base) : null;
		const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (net?.length ?? 0) * 8);
		if (!net || extra !== undefined || !okBits)
			return `"${rule.slice(0, 64)}" is not a deny rule: use ${Object.keys(GROUPS).join(", ")} or a CIDR such as 203.0.113.0/24`;
	}
	return null;
}

function rulesOf(policy: string): string[] {
	return policy
		.split(",")
		.map((r) => r.trim().toLowerCase())
		.filter(Boolean);
}

/** True when `host` is an IP literal (v4 or v6). */
export function isIpLiteral(host: string): boolean {
	return parseIp(host.replace(/^\[|\]$/g, "")) !== null;
}

function inCidr(addr: Uint8Array, cidr: string): boolean {
	const [base, bitsText] = cidr.split("/");
	const net = base ? parseIp(base) : null;
	if (!net || net.length !== addr.length) return false;
	const bits = bitsText === undefined ? net.length * 8 : Number(bitsText);
	for (let i = 0; i < net.length; i++) {
		const take = Math.max(0, Math.min(8, bits - i * 8));
		const mask = take === 0 ? 0 : (0xff << (8 - take)) & 0xff;
		if (((addr[i] ?? 0) & mask) !== ((net[i] ?? 0) & mask)) return false;
	}
	return true;
}

/**
 * The bytes of an IPv4 (4) or IPv6 (16) address in text, or null. Lenient on
 * purpose (it judges, it does not admit): `010.0.0.1` reads as 10.0.0.1.
 * Admission is host-syntax.ts's job.
 */
export function parseIp(s: string): Uint8Array | null {
	return parseV4(s) ?? parseV6(s);
}

function parseV4(s: string): Uint8Array | null {
	const parts = s.split(".");
	if (parts.length !== 4) return null;
	const out = new Uint8Array(4);
	for (let i = 0; i < 4; i++) {
		const p = parts[i] ?? "";
		if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
		out[i] = Number(p);
	}
	return out;
}

function parseV6(s: string): Uint8Array | null {
	if (!s.includes(":") || !/^[0-9a-f:.]+$/.test(s)) return null;
	let tail: Uint8Array | null = null;
	let text = s;
	const lastColon = s.lastIndexOf(":");
	if (s.slice(lastColon + 1).includes(".")) {
		tail = parseV4(s.slice(lastColon + 1));
		if (!tail) return null;
		text = `${s.slice(0, lastColon + 1)}0:0`;
	}
	const halves = text.split("::");
	if (halves.length > 2) return null;
	const head = halves[0] ? halves[0].split(":") : [];
	const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
	const groups =
		halves.length === 2 ? [...head, ...Array(8 - head.length - rest.length).fill("0"), ...rest] : head;
	if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
	const out = new Uint8Array(16);
	groups.forEach((g, i) => {
		const v = Number.parseInt(g, 16);
		out[i * 2] = v >> 8;
		out[i * 2 + 1] = v & 0xff;
	});
	if (tail) out.set(tail, 12);
	return out;
}
