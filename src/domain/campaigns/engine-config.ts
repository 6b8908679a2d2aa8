import { eq } from "drizzle-orm";
import { createDb } from "../../db/client";
import { campaigns, contactLists, sipTrunks, sounds } from "../../db/schema";
import type { DialAmd, DialTrunk } from "../dialer/types";
import { soundUrl } from "../sounds/sounds";
import type { RetryPolicy } from "./campaigns";
import type { CallingWindow } from "./window";

/**
 * What a running campaign needs, frozen at start in the Durable Object's
 * storage: later edits to the trunk or sound do not change a campaign
 * halfway. The trunk password stays encrypted here and is decrypted in
 * memory just before dialing.
 */
export type CampaignConfig = {
	campaignId: string;
	ownerId: string;
	listId: string;
	maxConcurrent: number;
	callsPerSecond: number;
	ringTimeoutS: number;
	maxDurationS: number;
	retry: RetryPolicy;
	window: CallingWindow | null;
	webhookUrl: string | null;
	webhookSecretEnc: string | null;
	trunk: Omit<DialTrunk, "password">;
	trunkPasswordEnc: string | null;
	soundUrl: string;
	callbackUrl: string;
	/** Answering-machine detection, as POST /calls takes it (absent: none). */
	amd?: DialAmd;
};

/** Reads the campaign and its trunk, sound and list from D1; throws if any is gone. */
export async function loadCampaignConfig(env: Env, campaignId: string): Promise<CampaignConfig> {
	const db = createDb(env.DB);
	const c = await db.query.campaigns.findFirst({ where: eq(campaigns.id, campaignId) });
	if (!c) throw new Error(`campaign ${campaignId} not found`);
	const t = await db.query.sipTrunks.findFirst({ where: eq(sipTrunks.id, c.trunkId) });
	const s = await db.query.sounds.findFirst({ where: eq(sounds.id, c.soundId) });
	const l = await db.query.contactLists.findFirst({ where: eq(contactLists.id, c.listId) });
	if (!t || !s || !l) throw new Error("the campaign's trunk, sound or list no longer exists");
	let amd: DialAmd | undefined;
	if (c.amd) {
		const id = c.amd.machine_sound_id;
		if (id && !(await db.query.sounds.findFirst({ where: eq(sounds.id, id) })))
			throw new Error("the campaign's machine sound no longer exists");
		amd = {
			on_machine: c.amd.on_machine as DialAmd["on_machine"],
			...(id ? { machine_audio: { url: soundUrl(env, id) } } : {}),
		};
	}
	const trunk: Omit<DialTrunk, "password"> = {
		host: t.host,
		port: t.port,
		transport: t.transport,
		codecs: t.codecs,
	};
	if (t.username) trunk.username = t.username;
	if (t.authUsername) trunk.auth_username = t.authUsername;
	if (t.fromUser) trunk.from_user = t.fromUser;
	if (t.callerId) trunk.caller_id = t.callerId;
	if (t.domain) trunk.domain = t.domain;
	return {
		campaignId,
		ownerId: c.ownerId,
		listId: c.listId,
		maxConcurrent: c.maxConcurrent,
		callsPerSecond: c.callsPerSecond,
		ringTimeoutS: c.ringTimeoutS,
		maxDurationS: c.maxDurationS,
		retry: c.retry as RetryPolicy,
		window: (c.window ?? null) as CallingWindow | null,
		webhookUrl: c.webhookUrl,
		webhookSecretEnc: c.webhookSecretEnc,
		trunk,
		trunkPasswordEnc: t.passwordEnc,
		soundUrl: soundUrl(env, s.id),
		callbackUrl: `${env.PUBLIC_URL.replace(/\/$/, "")}/v1/dialer/events`,
		...(amd ? { amd } : {}),
	};
}

/** Mirrors the engine's status and counts into the D1 row the API lists. */
export async function syncCampaignRow(
	env: Env,
	campaignId: string,
	status: string,
	counts: Record<string, number>,
): Promise<void> {
	const now = Date.now();
	await env.DB.prepare(
		`UPDATE campaigns SET status = ?1, counts = ?2, updated_at = ?3,
		 started_at = CASE WHEN ?1 = 'running' THEN COALESCE(started_at, ?3) ELSE started_at END,
		 finished_at = CASE WHEN ?1 IN ('completed', 'canceled') THEN ?3 ELSE finished_at END WHERE id = ?4`,
	)
		.bind(status, JSON.stringify(counts), now, campaignId)
		.run();
}
