/**
 * What the Campaign Durable Object pushes to its owner's hub sockets after
 * every change of a campaign's state (UserHub.pushEvent); clients (the SDK's
 * campaigns helper, the web app) read it. Counts are by contact state and
 * outcome: total, pending, calling, done, completed, busy, no_answer,
 * failed, canceled, do_not_call.
 */
export type CampaignStatus = "draft" | "running" | "paused" | "completed" | "canceled";

export type CampaignProgressEvent = {
	type: "campaign.progress";
	campaign_id: string;
	status: CampaignStatus;
	counts: Record<string, number>;
};
