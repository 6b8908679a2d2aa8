import type { CampaignProgressEvent, CampaignStatus } from "@hatch/contract/campaign-events";
import type { Api } from "./api.ts";
import type { HatchSocket } from "./socket.ts";

export type CampaignSnapshot = { id: string; status: CampaignStatus; counts: Record<string, number> | null };
export type CampaignAction = "start" | "pause" | "resume" | "cancel";

/**
 * Voice campaigns' live progress: the current state over REST, then every
 * `campaign.progress` the campaign pushes to the owner's hub sockets.
 *
 * @example
 * const stop = await hatch.campaigns.watch(id, (p) => bar.value = (p.counts.done ?? 0) / (p.counts.total || 1));
 * await hatch.campaigns.act(id, "start");
 */
export class Campaigns {
	constructor(
		private readonly api: Api,
		private readonly hub: () => HatchSocket,
	) {}

	get(id: string): Promise<CampaignSnapshot> {
		return this.api.json<CampaignSnapshot>("GET", `/v1/campaigns/${encodeURIComponent(id)}`);
	}

	/** start, pause, resume or cancel. */
	act(id: string, action: CampaignAction): Promise<unknown> {
		return this.api.json("POST", `/v1/campaigns/${encodeURIComponent(id)}/${action}`);
	}

	/**
	 * Calls `fn` with the campaign's current status and counts, then with
	 * each progress event for it; resolves to the function that stops it.
	 * Listens before reading, so no change between the two is missed.
	 */
	async watch(id: string, fn: (p: Omit<CampaignProgressEvent, "type">) => void): Promise<() => void> {
		const hub = this.hub();
		const off = hub.on("campaign.progress", (e) => {
			if (e.campaign_id === id) fn(e);
		});
		await hub.connect();
		const now = await this.get(id);
		fn({ campaign_id: id, status: now.status, counts: now.counts ?? {} });
		return off;
	}
}
