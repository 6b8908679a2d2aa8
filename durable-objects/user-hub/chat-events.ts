import type { ChatEvent, HubEvent } from "@hatch/contract/frames";
import type { HubContext, SocketIdentity } from "./context";

/**
 * Whether `e` should go to a subscribed socket: a message.new already sent
 * to it is not. A message past a gap (its predecessors were lost with an
 * evicted room's queue, or a replay had `more`) is still sent but does not
 * advance the mark: the client, seeing the gap, subscribes again from its
 * last seq and the replay fills it. `sentSeq` is keyed `socketId:chatId`.
 *
 * @example if (isFresh(hub.sentSeq, who.s, event)) hub.send(ws, event);
 */
export function isFresh(sentSeq: Map<string, number>, socketId: string, e: HubEvent): boolean {
	if (e.type !== "message.new") return true;
	const key = `${socketId}:${e.chat_id}`;
	const sent = sentSeq.get(key);
	if (sent !== undefined && e.seq <= sent) return false;
	if (sent === undefined || e.seq === sent + 1) sentSeq.set(key, e.seq);
	return true;
}

/**
 * One chat's events to a subscribed hub socket, each at most once per seq;
 * a socket opened with `batch=1` gets several as one `events` frame (each
 * frame costs workerd about as much as one event: bench/fanout/send-cost.ts).
 *
 * @example sendChatEvents(hub, ws, hub.identity(ws), batch.events);
 */
export function sendChatEvents(hub: HubContext, ws: WebSocket, who: SocketIdentity, events: ChatEvent[]) {
	const fresh = events.filter((e) => isFresh(hub.sentSeq, who.s, e));
	const first = fresh[0];
	if (who.b && first && fresh.length > 1)
		hub.send(ws, { type: "events", chat_id: first.chat_id, events: fresh } satisfies HubEvent, who.t);
	else for (const e of fresh) hub.send(ws, e, who.t);
}
