import type { CampaignRow } from "../../db/schema";
import { ApiError } from "../../errors";
import { getOwnedList } from "../contacts/lists";
import { getOwnedSound } from "../sounds/sounds";
import { getOwnedTrunk } from "../trunks/trunks";
import type { VoiceDb } from "./db";

/**
 * A draft may outlive the trunk, sound or list it names (they can be deleted
 * meanwhile); starting it then is a clear 409, not an engine failure.
 *
 * @example await assertPartsExist(db, campaign);
 */
export async function assertPartsExist(db: VoiceDb, c: CampaignRow): Promise<void> {
	for (const [what, check] of [
		["trunk", () => getOwnedTrunk(db, c.ownerId, c.trunkId)],
		["sound", () => getOwnedSound(db, c.ownerId, c.soundId)],
		["contact list", () => getOwnedList(db, c.ownerId, c.listId)],
	] as const) {
		try {
			await check();
		} catch {
			throw new ApiError(
				"CAMPAIGN_INCOMPLETE",
				`The campaign's ${what} no longer exists; edit the draft first`,
				{ status: 409 },
			);
		}
	}
}
