import { Api, type ApiOptions } from "./api.ts";
import { Auth } from "./auth.ts";
import { Calls } from "./calls.ts";
import { Campaigns } from "./campaigns.ts";
import { Files } from "./files.ts";
import { HatchSocket, type SocketOptions } from "./socket.ts";

export type { Message, Receipt } from "@hatch/contract/frames";
export { Api, type ApiOptions, type TokenResponse, type Tokens } from "./api.ts";
export { Auth } from "./auth.ts";
export { type Backoff, backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";
export { type ActiveCall, Calls, type IncomingCall } from "./calls.ts";
export { type CampaignAction, type CampaignSnapshot, Campaigns } from "./campaigns.ts";
export { CLIENT_CODES, HatchError } from "./errors.ts";
export type { EventOf, OutgoingRequest, ServerEvent, ServerEventType, SocketState } from "./events.ts";
export { type FileInfo, Files, type Progress } from "./files.ts";
export { ChatPositions } from "./resume.ts";
export {
	HatchSocket,
	randomId,
	type SocketOptions,
	type SocketTarget,
	type WebSocketCtor,
} from "./socket.ts";

/**
 * Everything in one object: REST with fresh tokens (`api`), sign-in
 * (`auth`), the hub socket (`hub`, made on first use), chat-viewing
 * sockets (`viewChat`), files and calls.
 *
 * @example
 * import { HatchClient } from "@hatch/client";
 * import { WebSocket } from "ws"; // Node only; browsers have one
 * const hatch = new HatchClient({ baseUrl: "http://localhost:8787", socket: { WebSocket } });
 * await hatch.auth.loginWithEmail("ann@example.com", "correct horse battery staple");
 * hatch.hub.on("message.new", (e) => console.log(e.chat_id, e.message.text));
 * await hatch.hub.connect();
 */
export class HatchClient {
	readonly api: Api;
	readonly auth: Auth;
	readonly files: Files;
	readonly campaigns: Campaigns;
	private hubSocket: HatchSocket | null = null;
	private callsHelper: Calls | null = null;

	constructor(
		private readonly opts: ApiOptions & { socket?: SocketOptions; calls?: { rtc?: RTCConfiguration } },
	) {
		this.api = new Api(opts);
		this.auth = new Auth(this.api);
		this.files = new Files(this.api);
		this.campaigns = new Campaigns(this.api, () => this.hub);
	}

	/** The user's hub socket (inbox, presence, invitations, calls, followed chats); call `connect()` once. */
	get hub(): HatchSocket {
		this.hubSocket ??= new HatchSocket(this.api, { kind: "hub" }, this.opts.socket);
		return this.hubSocket;
	}

	get calls(): Calls {
		this.callsHelper ??= new Calls(this.hub, this.opts.calls);
		return this.callsHelper;
	}

	/** A socket on one chat's room, for the chat on screen: connected, resumed after `afterSeq` when given. */
	async viewChat(chatId: string, afterSeq?: number): Promise<HatchSocket> {
		const s = new HatchSocket(this.api, { kind: "chat", chatId }, this.opts.socket);
		if (afterSeq !== undefined) s.follow(chatId, afterSeq);
		await s.connect();
		return s;
	}

	/** Closes every socket and signs out. */
	async logout(): Promise<void> {
		this.hubSocket?.close();
		this.hubSocket = null;
		await this.auth.logout();
	}
}
