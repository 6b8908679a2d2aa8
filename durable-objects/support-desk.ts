import { DurableObject } from "cloudflare:workers";
import { CLOSE_CODES } from "@hatch/contract/close-codes";
import type { Transport } from "@hatch/contract/codec";
import type { SupportSettings } from "@hatch/contract/support-frames";
import { createDb } from "../src/db/client";
import { isOperator } from "../src/domain/support/identity";
import type { Actor } from "../src/domain/support/queue";
import { createLogger } from "../src/lib/log";
import { asResult, type Result } from "../src/lib/result";
import { sendEvent } from "./support-desk/broadcast";
import { attachment, type DeskContext, type DeskSocket } from "./support-desk/context";
import * as extras from "./support-desk/extras";
import { ExtrasStore } from "./support-desk/extras-store";
import { nativeMessage } from "./support-desk/native-socket";
import * as ops from "./support-desk/operations";
import { closeUnauthenticated, SEED_AUTH_WINDOW_MS, seedMessage } from "./support-desk/seed-socket";
import { DeskStore } from "./support-desk/store";
import { SocketGuard } from "./user-hub/guard";

/**
 * SupportDesk, one per desk (named "main"): the live queue and assignments in
 * its SQLite, decided by this one writer (README "Support desk"), and the
 * desk's sockets, native (GET /v1/support/ws) and the seed's JSON-RPC
 * (GET /compat/support/ws), on the hibernation API. Messages live in each
 * support chat's ChatRoom; the rules live in src/domain/support/queue.ts.
 */
export class SupportDesk extends DurableObject<Env> {
	readonly #desk: DeskContext;
	readonly #log = createLogger({ do: "SupportDesk" }, this.env.LOG_LEVEL);

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#desk = {
			env,
			db: createDb(env.DB),
			store: new DeskStore(ctx.storage.sql),
			extras: new ExtrasStore(ctx.storage.sql),
			log: this.#log,
			sockets: () => ctx.getWebSockets(),
			creating: new Map(),
			guard: new SocketGuard(),
		};
	}

	async customerSend(me: Actor, input: { text: string; client_id?: string }) {
		return asResult(() => ops.customerSend(this.#desk, me, input));
	}
	async customerHistory(me: Actor) {
		return asResult(() => ops.customerHistory(this.#desk, me));
	}
	async reply(me: Actor, id: string, input: { text: string; client_id?: string }) {
		return asResult(() => ops.operatorReply(this.#desk, me, id, input));
	}
	async take(me: Actor, id: string) {
		return asResult(() => ops.take(this.#desk, me, id));
	}
	async transfer(me: Actor, id: string, to: string | null) {
		return asResult(() => ops.transfer(this.#desk, me, id, to));
	}
	async close(me: Actor, id: string) {
		return asResult(() => ops.close(this.#desk, me, id));
	}
	/** The waiting queue (not `queue`: that name is the Queues handler of a Worker class). */
	async waitingQueue(me: Actor) {
		return asResult(() => ops.queue(this.#desk, me));
	}
	async list(me: Actor, q: { status?: "waiting" | "assigned" | "closed" | "open"; mine?: boolean }) {
		return asResult(() => ops.listConversations(this.#desk, me, q));
	}
	async conversation(me: Actor, id: string) {
		return asResult(() => ops.conversationDetail(this.#desk, me, id));
	}
	async note(me: Actor, id: string, text: string) {
		return asResult(() => extras.addNote(this.#desk, me, id, text));
	}
	async transcript(me: Actor, id: string) {
		return asResult(() => extras.transcript(this.#desk, me, id));
	}
	async stats(me: Actor) {
		return asResult(() => extras.stats(this.#desk, me));
	}
	async canned(me: Actor) {
		return asResult(() => extras.listCanned(this.#desk, me));
	}
	async addCanned(me: Actor, input: { title: string; text: string; shared: boolean }) {
		return asResult(() => extras.addCanned(this.#desk, me, input));
	}
	async deleteCanned(me: Actor, id: number) {
		return asResult(() => extras.deleteCanned(this.#desk, me, id));
	}

	/** The user's desk number (the seed's numeric ids), given on first contact. */
	async customerNumber(userId: string): Promise<number> {
		return this.#desk.store.customerNumber(userId);
	}
	async settings(): Promise<SupportSettings> {
		return this.#desk.store.settings();
	}
	async setSettings(s: SupportSettings): Promise<Result<SupportSettings>> {
		this.#desk.store.setSettings(s);
		return { ok: true, value: this.#desk.store.settings() };
	}

	/** A revoked session's desk sockets close at once (logout, device revoked, sign-out everywhere). */
	async closeSessions(userId: string, sessionIds: string[]) {
		let closed = 0;
		for (const ws of this.ctx.getWebSockets()) {
			const a = attachment(ws);
			if (a?.user?.id !== userId || !a.session) continue;
			if (!sessionIds.includes(a.session)) continue;
			ws.close(CLOSE_CODES.SESSION_REVOKED, "Session revoked");
			closed++;
		}
		return closed;
	}

	/**
	 * The Worker has checked the ticket (native) or nothing yet (seed, which
	 * signs in with `message.auth`). Native sockets get `hello` and their
	 * history (customers) or the queue (operators) at once.
	 */
	override async fetch(request: Request): Promise<Response> {
		const h = request.headers;
		const proto = h.get("X-Hatch-Proto") === "native" ? "native" : "seed";
		const transport = (h.get("X-Hatch-Transport") ?? "json") as Transport;
		const pair = new WebSocketPair();
		const [client, server] = [pair[0], pair[1]];
		this.ctx.acceptWebSocket(server, [proto]);
		let user: Actor | null = null;
		if (proto === "native") {
			const raw = h.get("X-Hatch-Actor");
			user = raw ? (JSON.parse(raw) as Actor) : null;
		}
		const a: DeskSocket = {
			proto,
			transport,
			user,
			session: h.get("X-Hatch-Session"),
			opened_at: Date.now(),
		};
		server.serializeAttachment(a);
		if (proto === "seed" && (await this.ctx.storage.getAlarm()) === null)
			await this.ctx.storage.setAlarm(Date.now() + SEED_AUTH_WINDOW_MS);
		if (proto === "native" && user) await this.#greet(server, a, user);
		return new Response(null, {
			status: 101,
			webSocket: client,
			headers: proto === "native" ? { "Sec-WebSocket-Protocol": transport } : {},
		});
	}

	async #greet(ws: WebSocket, a: DeskSocket, user: Actor) {
		const operator = isOperator(user.role);
		sendEvent(ws, a, { type: "hello", user_id: user.id, operator, protocol: a.transport });
		if (operator) sendEvent(ws, a, { type: "support.queue", conversations: ops.queue(this.#desk, user) });
		else {
			const h = await ops.customerHistory(this.#desk, user);
			sendEvent(ws, a, { type: "support.history", ...h });
		}
	}

	/** Seed sockets that never sent `message.auth` are closed when their window ends. */
	override async alarm() {
		const next = closeUnauthenticated(this.#desk, Date.now());
		if (next !== null) await this.ctx.storage.setAlarm(next);
	}

	override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
		try {
			const a = attachment(ws);
			if (a?.proto === "native") await nativeMessage(this.#desk, ws, a, raw);
			else await seedMessage(this.#desk, ws, raw);
		} catch (err) {
			this.#log.error("SupportDesk.webSocketMessage failed", { err: String(err) });
			try {
				ws.close(1011, "Internal error");
			} catch {
				// already closed
			}
		}
	}

	override async webSocketClose(ws: WebSocket, code: number) {
		try {
			ws.close(code === 1005 ? 1000 : code, "bye");
		} catch {
			// already closed
		}
	}

	override async webSocketError(_ws: WebSocket, error: unknown) {
		this.#log.warn("SupportDesk.webSocketError", { err: String(error) });
	}
}
