import type { TurnCredentials } from "../turn/types";
import type { CallRecord } from "./types";

const CALL_KEY = "call:current";
const TURN_PREFIX = "call:turn:";

/**
 * The calls module's slice of a UserHub's storage (the DO's key-value API,
 * beside the hub's own SQL tables): the user's one current call and the TURN
 * lease locked to each socket. Everything here survives eviction; the alarm
 * is set to the call's next check so timers survive it too.
 */
export class CallStore {
	constructor(private readonly storage: DurableObjectStorage) {}

	async load(): Promise<CallRecord | null> {
		return (await this.storage.get<CallRecord>(CALL_KEY)) ?? null;
	}

	/** Saves the call and points the alarm at its next check (earlier alarms are kept). */
	async save(call: CallRecord): Promise<void> {
		await this.storage.put(CALL_KEY, call);
		const current = await this.storage.getAlarm();
		if (current === null || current > call.nextCheckAt || current < Date.now()) {
			await this.storage.setAlarm(call.nextCheckAt);
		}
	}

	async clear(): Promise<void> {
		await this.storage.delete(CALL_KEY);
	}

	async turnFor(socketId: string): Promise<TurnCredentials | null> {
		return (await this.storage.get<TurnCredentials>(TURN_PREFIX + socketId)) ?? null;
	}

	async lockTurn(socketId: string, creds: TurnCredentials): Promise<void> {
		await this.storage.put(TURN_PREFIX + socketId, creds);
	}

	async unlockTurn(socketId: string): Promise<void> {
		await this.storage.delete(TURN_PREFIX + socketId);
	}

	/** Drops leases of sockets that are gone (a close that was never delivered). */
	async pruneTurn(liveSocketIds: Set<string>): Promise<void> {
		const leases = await this.storage.list({ prefix: TURN_PREFIX, limit: 256 });
		const dead = [...leases.keys()].filter((k) => !liveSocketIds.has(k.slice(TURN_PREFIX.length)));
		if (dead.length) await this.storage.delete(dead);
	}
}
