import { DurableObject } from "cloudflare:workers";

/** ChatRoom, one per chat: the message log with per-chat seq, membership cache, receipts, typing and the sockets of clients viewing the chat. */
export class ChatRoom extends DurableObject<Env> {}
