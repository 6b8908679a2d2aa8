export type EmailMessage = { to: string; subject: string; text: string };

/** Sends one plain-text email (the providers implement it; index.ts picks one). */
export interface EmailProvider {
	send(message: EmailMessage): Promise<void>;
}
