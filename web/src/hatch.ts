import { HatchClient, HatchError, type Tokens } from "@hatch/client";

const KEY = "hatch.tokens";

function load(): Tokens | null {
	try {
		return JSON.parse(localStorage.getItem(KEY) ?? "null") as Tokens | null;
	} catch {
		return null;
	}
}

/** The one client of this tab: same origin as the page, tokens kept in localStorage. */
export const hatch = new HatchClient({
	baseUrl: location.origin,
	tokens: load(),
	onTokens: (t) => (t ? localStorage.setItem(KEY, JSON.stringify(t)) : localStorage.removeItem(KEY)),
	socket: { transport: "msgpack", batch: true },
	// A developer (or a test) can force calls through TURN to check the relay path.
	calls: {
		rtc: localStorage.getItem("hatch.iceTransportPolicy") === "relay" ? { iceTransportPolicy: "relay" } : {},
	},
});

/** What to show a person for any failure: the API's message, which says what to do. */
export function errorText(err: unknown): string {
	if (err instanceof HatchError) return err.message;
	return err instanceof Error ? err.message : String(err);
}

/** The signed-in account (GET /v1/me), as the web app uses it. */
export type Me = {
	id: string;
	display_name: string;
	email: string | null;
	phone: string | null;
	theme: "day" | "night";
	magnification: number;
};

/** Theme and text size from the profile, on the whole document. */
export function applyProfile(me: Pick<Me, "theme" | "magnification"> | null): void {
	const root = document.documentElement;
	root.dataset.theme = me?.theme ?? "day";
	root.style.fontSize = `${Math.round((me?.magnification ?? 1) * 100)}%`;
}
