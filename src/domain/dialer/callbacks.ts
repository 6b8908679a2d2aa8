import type { DialerEvent, DialerEventsAck } from "@hatch/contract/dialer";
import { eq } from "drizzle-orm";
import { sounds } from "../../db/schema";
import { ApiError } from "../../errors";
import { campaignStub } from "../campaigns/campaigns";
import type { VoiceDb as Db } from "../campaigns/db";
import { recordTestCallEvent, TEST_CALL_PREFIX } from "../trunks/test-call";

/** Campaign call ids: `<campaign>:<contact>:<attempt>`. */
const CAMPAIGN_CALL = /^([0-9a-f-]{36}):\d+:\d+$/;

/**
 * Applies events the dialer POSTed (one or a batch), in order per campaign: a test call's go to its trunk's
 * `last_test`, a campaign call's to its Campaign Durable Object. Unknown ids
 * are acknowledged (retrying them forever helps no one).
 *
 * @example await applyDialerEvents(env, db, [ev]) // { accepted: 1, duplicates: 0 }
 */
export async function applyDialerEvents(env: Env, db: Db, events: DialerEvent[]): Promise<DialerEventsAck> {
	let duplicates = 0;
	// One Durable Object call per campaign in the batch, its events in the order sent.
	const byCampaign = new Map<string, DialerEvent[]>();
	for (const ev of events) {
		if (ev.call_id.startsWith(TEST_CALL_PREFIX)) {
			await recordTestCallEvent(db, ev);
			continue;
		}
		const campaignId = CAMPAIGN_CALL.exec(ev.call_id)?.[1];
		if (!campaignId) continue;
		const list = byCampaign.get(campaignId) ?? [];
		list.push(ev);
		byCampaign.set(campaignId, list);
	}
	const results = await Promise.all(
		[...byCampaign].map(([campaignId, evs]) => campaignStub(env, campaignId).onDialerEvents(evs)),
	);
	for (const r of results) duplicates += r.duplicates;
	return { accepted: events.length - duplicates, duplicates };
}

/**
 * A sound for the dialer: its G.711 WAV when stored, else the original (MP3),
 * honouring the request's conditional headers (`null` body: 304).
 * @throws ApiError NOT_FOUND when the sound or its bytes are gone
 */
export async function soundForDialer(env: Env, db: Db, id: string, conditions: Headers) {
	const sound = await db.query.sounds.findFirst({ where: eq(sounds.id, id) });
	if (!sound) throw new ApiError("NOT_FOUND", "Sound not found");
	const obj = await env.FILES.get(sound.convertedKey ?? sound.originalKey, { onlyIf: conditions });
	if (!obj) throw new ApiError("NOT_FOUND", "Sound data not found");
	return obj;
}
