import { isHostDenied } from "@hatch/shared/host-policy";
import { and, desc, eq, lt } from "drizzle-orm";
import { type CampaignRow, campaigns } from "../../db/schema";
import { ApiError } from "../../errors";
import { newId, randomToken } from "../../lib/ids";
import { getOwnedList } from "../contacts/lists";
import { encryptSecret } from "../secrets/crypto";
import { getOwnedSound } from "../sounds/sounds";
import { getOwnedTrunk } from "../trunks/trunks";
import type { VoiceDb } from "./db";
import type { RetryPolicy } from "./retry";
import { type CallingWindow, windowProblem, windowStatus } from "./window";

export type { RetryPolicy, RetryRule } from "./retry";

export type CampaignInput = {
	name: string;
	trunk_id: string;
	sound_id: string;
	list_id: string;
	max_concurrent?: number;
	calls_per_second?: number;
	ring_timeout_s?: number;
	max_duration_s?: number;
	retry?: RetryPolicy;
	window?: CallingWindow | null;
	webhook_url?: string | null;
	amd?: CampaignAmd | null;
};

/**
 * Answering-machine detection for a campaign's calls: what a machine gets
 * (hang up, the campaign's sound after the beep, or another sound of the owner's).
 */
export type CampaignAmd = { on_machine: "hangup" | "play" | "play_other"; machine_sound_id?: string };

/**
 * A campaign as the API shows it; a running one whose calling window is shut
 * shows `waiting_for_window` and `window_opens_at`.
 * @example campaignView(row) // { id, name, status: "draft", window_opens_at: null, ... }
 */
export function campaignView(c: CampaignRow) {
	return {
		id: c.id,
		name: c.name,
		trunk_id: c.trunkId,
		sound_id: c.soundId,
		list_id: c.listId,
		max_concurrent: c.maxConcurrent,
		calls_per_second: c.callsPerSecond,
		ring_timeout_s: c.ringTimeoutS,
		max_duration_s: c.maxDurationS,
		retry: c.retry as RetryPolicy,
		window: (c.window ?? null) as CallingWindow | null,
		webhook_url: c.webhookUrl,
		amd: (c.amd ?? null) as CampaignAmd | null,
		...windowStatus(c.status, (c.window ?? null) as CallingWindow | null, Date.now()),
		counts: c.counts ?? null,
		started_at: c.startedAt?.toISOString() ?? null,
		finished_at: c.finishedAt?.toISOString() ?? null,
		created_at: c.createdAt.toISOString(),
		updated_at: c.updatedAt.toISOString(),
	};
}

function checkSchedule(env: Env, input: Partial<CampaignInput>): void {
	if (input.window) {
		const problem = windowProblem(input.window);
		if (problem)
			throw new ApiError("SCHEDULE_IMPOSSIBLE", `The calling window can never open: ${problem}`, {
				status: 422,
			});
	}
	if (input.webhook_url) {
		const url = new URL(input.webhook_url);
		if (env.ENVIRONMENT === "production" && url.protocol !== "https:") {
			throw new ApiError("VALIDATION_FAILED", "webhook_url must be https");
		}
		const rule = isHostDenied(url.hostname, env.SIP_HOST_DENY);
		if (rule)
			throw new ApiError("WEBHOOK_HOST_DENIED", `Webhook host ${url.hostname} is not allowed (${rule})`, {
				status: 422,
			});
	}
}

/** A machine's other sound must be the owner's own (someone else's is simply not found). */
async function checkAmd(db: VoiceDb, ownerId: string, amd: CampaignAmd | null | undefined): Promise<void> {
	if (amd?.machine_sound_id) await getOwnedSound(db, ownerId, amd.machine_sound_id);
}

/**
 * Creates a draft campaign from the caller's own trunk, sound and list (any
 * of them belonging to someone else is simply not found). Returns the
 * webhook signing secret once, in clear, when a webhook URL is set.
 *
 * @example const { row, webhookSecret } = await createCampaign(env, db, userId, input);
 */
export async function createCampaign(env: Env, db: VoiceDb, ownerId: string, input: CampaignInput) {
	checkSchedule(env, input);
	await getOwnedTrunk(db, ownerId, input.trunk_id);
	await getOwnedSound(db, ownerId, input.sound_id);
	await getOwnedList(db, ownerId, input.list_id);
	await checkAmd(db, ownerId, input.amd);
	const webhookSecret = input.webhook_url ? `whsec_${randomToken(24)}` : null;
	const now = new Date();
	const row: CampaignRow = {
		id: newId(),
		ownerId,
		name: input.name,
		trunkId: input.trunk_id,
		soundId: input.sound_id,
		listId: input.list_id,
		maxConcurrent: input.max_concurrent ?? 10,
		callsPerSecond: input.calls_per_second ?? 1,
		ringTimeoutS: input.ring_timeout_s ?? 30,
		maxDurationS: input.max_duration_s ?? 300,
		retry: input.retry ?? {},
		window: input.window ?? null,
		webhookUrl: input.webhook_url ?? null,
		amd: input.amd ?? null,
		webhookSecretEnc: webhookSecret ? await encryptSecret(env.SECRETS_KEY, webhookSecret) : null,
		status: "draft",
		counts: null,
		startedAt: null,
		finishedAt: null,
		createdAt: now,
		updatedAt: now,
	};
	await db.insert(campaigns).values(row);
	return { row, webhookSecret };
}

/** Changes a draft; a started campaign's settings are frozen in its Durable Object. */
export async function updateCampaign(
	env: Env,
	db: VoiceDb,
	c: CampaignRow,
	input: Partial<CampaignInput>,
): Promise<CampaignRow> {
	if (c.status !== "draft")
		throw new ApiError("CAMPAIGN_NOT_DRAFT", "Only a draft campaign can be changed", { status: 409 });
	checkSchedule(env, input);
	if (input.trunk_id) await getOwnedTrunk(db, c.ownerId, input.trunk_id);
	if (input.sound_id) await getOwnedSound(db, c.ownerId, input.sound_id);
	if (input.list_id) await getOwnedList(db, c.ownerId, input.list_id);
	if (input.amd) await checkAmd(db, c.ownerId, input.amd);
	const next: CampaignRow = {
		...c,
		name: input.name ?? c.name,
		trunkId: input.trunk_id ?? c.trunkId,
		soundId: input.sound_id ?? c.soundId,
		listId: input.list_id ?? c.listId,
		maxConcurrent: input.max_concurrent ?? c.maxConcurrent,
		callsPerSecond: input.calls_per_second ?? c.callsPerSecond,
		ringTimeoutS: input.ring_timeout_s ?? c.ringTimeoutS,
		maxDurationS: input.max_duration_s ?? c.maxDurationS,
		retry: input.retry ?? c.retry,
		window: input.window !== undefined ? input.window : c.window,
		webhookUrl: input.webhook_url !== undefined ? input.webhook_url : c.webhookUrl,
		amd: input.amd !== undefined ? input.amd : c.amd,
		updatedAt: new Date(),
	};
	await db.update(campaigns).set(next).where(eq(campaigns.id, c.id));
	return next;
}

/** The caller's campaign, or 404 (also when it belongs to someone else). */
export async function getOwnedCampaign(db: VoiceDb, ownerId: string, id: string): Promise<CampaignRow> {
	const row = await db.query.campaigns.findFirst({
		where: and(eq(campaigns.id, id), eq(campaigns.ownerId, ownerId)),
	});
	if (!row) throw new ApiError("NOT_FOUND", "Campaign not found");
	return row;
}

export async function listCampaigns(db: VoiceDb, ownerId: string, limit: number, before?: string) {
	return db.query.campaigns.findMany({
		where: before
			? and(eq(campaigns.ownerId, ownerId), lt(campaigns.id, before))
			: eq(campaigns.ownerId, ownerId),
		orderBy: desc(campaigns.id),
		limit,
	});
}

/** Deletes a campaign that is not running or paused (409 CAMPAIGN_ACTIVE: cancel it first). */
export async function deleteCampaign(db: VoiceDb, row: CampaignRow): Promise<void> {
	if (row.status === "running" || row.status === "paused")
		throw new ApiError("CAMPAIGN_ACTIVE", "Cancel the campaign first", { status: 409 });
	await db.delete(campaigns).where(eq(campaigns.id, row.id));
}

/** The campaign's engine. @example await campaignStub(env, id).status(); */
export function campaignStub(env: Env, campaignId: string) {
	return env.CAMPAIGN.get(env.CAMPAIGN.idFromName(campaignId));
}
