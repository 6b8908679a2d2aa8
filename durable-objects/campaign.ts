import { DurableObject } from "cloudflare:workers";

/** Campaign, one per voice campaign: schedules calls with alarms, enforces concurrency and rate, retries. */
export class Campaign extends DurableObject<Env> {}
