/**
 * Calling windows: the days and hours a campaign may dial, in the IANA time
 * zone of the people being called, evaluated with Intl so daylight saving is
 * handled by the platform's tz database.
 *
 * @example isOpen({ time_zone: "Europe/Moscow", days: [1, 2, 3, 4, 5], start: "09:00", end: "20:00" }, Date.now())
 */
export type CallingWindow = { time_zone: string; days: number[]; start: string; end: string };

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function formatter(tz: string): Intl.DateTimeFormat {
	let f = formatters.get(tz);
	if (!f) {
		f = new Intl.DateTimeFormat("en-US", {
			timeZone: tz,
			weekday: "short",
			hour: "2-digit",
			minute: "2-digit",
			hourCycle: "h23",
		});
		formatters.set(tz, f);
	}
	return f;
}

/** Weekday (1 = Monday … 7 = Sunday) and minutes since local midnight at `ms` in `tz`. */
export function localTime(tz: string, ms: number): { day: number; minutes: number } {
	const parts = formatter(tz).formatToParts(new Date(ms));
	const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
	return {
		day: WEEKDAYS[get("weekday")] ?? 1,
		minutes: (Number(get("hour")) % 24) * 60 + Number(get("minute")),
	};
}

function toMinutes(hhmm: string): number {
	const [h, m] = hhmm.split(":").map(Number);
	return (h ?? 0) * 60 + (m ?? 0);
}

/** Why a window can never open, or null when it is fine. */
export function windowProblem(w: CallingWindow): string | null {
	try {
		formatter(w.time_zone);
	} catch {
		return `unknown time zone "${w.time_zone}"`;
	}
	if (w.days.length === 0) return "no calling days";
	if (toMinutes(w.start) >= toMinutes(w.end)) return `start ${w.start} is not before end ${w.end}`;
	return null;
}

/** True when `ms` falls inside the window (start inclusive, end exclusive). */
export function isOpen(w: CallingWindow, ms: number): boolean {
	const { day, minutes } = localTime(w.time_zone, ms);
	return w.days.includes(day) && minutes >= toMinutes(w.start) && minutes < toMinutes(w.end);
}

/** The first moment at or after `ms` when the window is open (null if it never opens). */
export function nextOpen(w: CallingWindow, ms: number): number | null {
	if (windowProblem(w)) return null;
	let t = ms;
	const start = toMinutes(w.start);
	// Each step lands on the next local start time; DST shifts are corrected by the next step.
	for (let i = 0; i < 24; i++) {
		if (isOpen(w, t)) return t;
		const { day, minutes } = localTime(w.time_zone, t);
		const delta = w.days.includes(day) && minutes < start ? start - minutes : 1440 - minutes + start;
		t = t - (t % 60_000) + Math.max(1, delta) * 60_000;
	}
	return null;
}

/**
 * What a campaign's status shows about its window: a running campaign whose
 * window is shut is `waiting_for_window`, with `window_opens_at` (ISO) saying
 * when it opens; anything else shows as it is, `window_opens_at` null.
 * @example windowStatus("running", { time_zone: "UTC", days: [1], start: "09:00", end: "17:00" }, sundayNoon)
 *   // { status: "waiting_for_window", window_opens_at: "…T09:00:00.000Z" }
 */
export function windowStatus<S extends string>(
	status: S,
	w: CallingWindow | null,
	now: number,
): { status: S | "waiting_for_window"; window_opens_at: string | null } {
	if (status !== "running" || !w || isOpen(w, now)) return { status, window_opens_at: null };
	const at = nextOpen(w, now);
	return { status: "waiting_for_window", window_opens_at: at === null ? null : new Date(at).toISOString() };
}
