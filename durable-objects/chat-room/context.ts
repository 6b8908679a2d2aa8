import type { ChatEvent } from "@hatch/contract/frames";
import type { Logger } from "../../src/lib/log";
import type { SocketGuard } from "../user-hub/guard";
import type { HubLinks } from "./hub-links";
import type { Member, Membership } from "./membership";
import type { Outbox } from "./outbox";
import type { RoomStore } from "./store";
import type { SummaryWriter } from "./summary";
import type { Viewers } from "./viewers";

/** One event on its way out: who it is for, and the event. */
export type Outgoing = { userIds: string[]; event: ChatEvent };

/**
 * What the ChatRoom's helper modules (messages, receipts, viewer sockets)
 * work with: the room's parts and a few bound functions, built once by the
 * room. A plain object rather than the class itself, so the Durable
 * Object's RPC surface stays the methods other code calls.
 *
 * @example
 * await room.member(chatId, userId); // binds the chat id, checks membership
 * room.emit(room.membership.activeIds(), event);
 */
export type RoomContext = {
	readonly store: RoomStore;
	/** The D1 database (membership, the inbox index, file attachments). */
	readonly db: D1Database;
	readonly membership: Membership;
	readonly viewers: Viewers;
	readonly outbox: Outbox<Outgoing>;
	readonly links: HubLinks;
	/** The receipt tracker (receipts.ts), as the room's helpers use it: a read marker moved. */
	readonly receipts: { markDirty(userId: string, fromSeq: number): void };
	readonly summary: SummaryWriter;
	readonly guard: SocketGuard;
	/** When each user's last typing indicator went out (typing.ts). */
	readonly typingAt: Map<string, number>;
	readonly log: Logger;
	/** The chat id this room is bound to ("" before any RPC named it). */
	chatId(): string;
	/** Binds the room to `chatId` and checks that `userId` is an active member (else throws ApiError). */
	member(chatId: string, userId: string): Promise<Member>;
	/** Fans one event out to `userIds` (through the outbox). */
	emit(userIds: string[], event: ChatEvent): void;
};
