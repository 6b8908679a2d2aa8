import { useEffect, useState } from "preact/hooks";
import { errorText, hatch } from "../hatch.ts";

/** The first page of one of the owner's lists (`{items, page_token}`), with a reload and the last error. */
export function useItems<T>(path: string): { items: T[]; reload: () => Promise<void>; error: string } {
	const [items, setItems] = useState<T[]>([]);
	const [error, setError] = useState("");
	const reload = () =>
		hatch.api
			.json<{ items: T[] }>("GET", path)
			.then((r) => {
				setItems(r.items);
				setError("");
			})
			.catch((e) => setError(errorText(e)));
	useEffect(() => {
		void reload();
	}, [path]);
	return { items, reload, error };
}

/** A form's fields as strings, trimmed. */
export function fields(form: HTMLFormElement): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of new FormData(form)) if (typeof v === "string") out[k] = v.trim();
	return out;
}
