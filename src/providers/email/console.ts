import { devOutbox } from "../../db/schema";
import type { Db } from "../../domain/users/db";
import { newId } from "../../lib/ids";
import type { EmailMessage, EmailProvider } from "./types";

/**
 * Development email: records the message in `dev_outbox` (readable at
 * GET /v1/dev/outbox) instead of sending it. Only constructed in
 * development and test (see createEmailProvider).
 */
export class ConsoleEmailProvider implements EmailProvider {
	constructor(private readonly db: Db) {}

	async send(message: EmailMessage): Promise<void> {
		await this.db.insert(devOutbox).values({
			id: newId(),
			channel: "email",
			recipient: message.to,
			subject: message.subject,
			body: message.text,
			createdAt: new Date(),
		});
	}
}
