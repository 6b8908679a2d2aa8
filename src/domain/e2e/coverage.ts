/** One device that must receive a copy: a member's user id and that user's device id. */
export type DeviceRef = { user_id: string; device_id: string };

/** Why a message group was refused: the devices it missed and the ones it named that are not current. */
export type CoverageProblem = { missing: DeviceRef[]; unexpected: DeviceRef[]; duplicate: DeviceRef[] };

const key = (d: DeviceRef) => `${d.user_id}\u0000${d.device_id}`;

/**
 * Whether a message group's copies cover exactly the current member devices:
 * every device of every active member except the sending device itself, each
 * once. A copy for the sending device is allowed (a Phoenix client, one key
 * per user, reads its own history with it) but not required. Returns null when they do; otherwise what is wrong, so the client
 * knows to fetch the key directory again (E2E_KEYS_CHANGED).
 *
 * @example
 * groupCoverage([{user_id:"a",device_id:"1"},{user_id:"b",device_id:"1"}], {user_id:"a",device_id:"1"}, [{user_id:"b",device_id:"1"}]) // null
 */
export function groupCoverage(
	memberDevices: readonly DeviceRef[],
	sender: DeviceRef,
	copies: readonly DeviceRef[],
): CoverageProblem | null {
	const expected = new Map(memberDevices.filter((d) => key(d) !== key(sender)).map((d) => [key(d), d]));
	const known = new Set(memberDevices.map(key));
	const seen = new Set<string>();
	const unexpected: DeviceRef[] = [];
	const duplicate: DeviceRef[] = [];
	for (const c of copies) {
		const k = key(c);
		const ref = { user_id: c.user_id, device_id: c.device_id };
		if (seen.has(k)) duplicate.push(ref);
		else if (!known.has(k)) unexpected.push(ref);
		seen.add(k);
	}
	const missing = [...expected].filter(([k]) => !seen.has(k)).map(([, d]) => d);
	return missing.length || unexpected.length || duplicate.length ? { missing, unexpected, duplicate } : null;
}
