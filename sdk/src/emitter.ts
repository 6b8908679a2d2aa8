/** A tiny typed event emitter (browsers and Node alike, no dependency). */
export class Emitter<M extends Record<string, unknown>> {
	private readonly listeners = new Map<keyof M, Set<(v: never) => void>>();

	/** Adds a listener; returns the function that removes it. */
	on<K extends keyof M>(type: K, fn: (value: M[K]) => void): () => void {
		const set = this.listeners.get(type) ?? new Set();
		this.listeners.set(type, set);
		set.add(fn as (v: never) => void);
		return () => set.delete(fn as (v: never) => void);
	}

	emit<K extends keyof M>(type: K, value: M[K]): void {
		for (const fn of this.listeners.get(type) ?? []) {
			try {
				(fn as (v: M[K]) => void)(value);
			} catch (err) {
				// A listener's bug must not break the socket's loop.
				console.error(`[hatch] listener for ${String(type)} threw`, err);
			}
		}
	}
}
