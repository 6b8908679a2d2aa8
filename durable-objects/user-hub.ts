import { DurableObject } from "cloudflare:workers";

/** UserHub, one per user: the sockets of all the user's devices, inbox notifications, presence and call signalling. */
export class UserHub extends DurableObject<Env> {}
