import { devOutbox } from "../../db/schema";
import type { Db } from "../../domain/users/db";
import { newId } from "../../lib/ids";
import type { SmsProvider } from "./types";

/**
 * Development SMS: records the message in `dev_outbox` (readable at
 * GET /v1/dev/outbox) instead of sending it. Only constructed in
 * development and test (see createSmsProvider).
 */
export class ConsoleSmsProvider implements SmsProvider {
	constructor(private readonly db: Db) {}

	async send(to: string, text: string): Promise<void> {
		await this.db
			.insert(devOutbox)
			.values({ id: newId(), channel: "sms", recipient: to, body: text, createdAt: new Date() });
	}
}
