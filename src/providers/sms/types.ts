/** Sends one text message to an E.164 number (the providers implement it; index.ts picks one). */
export interface SmsProvider {
	send(to: string, text: string): Promise<void>;
}
