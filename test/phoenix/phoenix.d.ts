/** The part of the `phoenix` npm client the acceptance test drives (the package ships no types). */
declare module "phoenix" {
	type Handler = (response: Record<string, unknown>) => void;
	export class Push {
		receive(status: "ok" | "error" | "timeout", callback: Handler): Push;
	}
	export class Channel {
		join(timeout?: number): Push;
		leave(timeout?: number): Push;
		push(event: string, payload: object, timeout?: number): Push;
		on(event: string, callback: Handler): number;
	}
	export class Socket {
		constructor(endPoint: string, opts?: Record<string, unknown>);
		connect(): void;
		disconnect(callback?: () => void, code?: number, reason?: string): void;
		channel(topic: string, params?: object): Channel;
		isConnected(): boolean;
		onMessage(
			callback: (msg: { topic: string; event: string; payload: unknown; ref: string | null }) => void,
		): string;
		off(refs: string[]): void;
	}
}
