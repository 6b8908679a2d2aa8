import type { Message } from "@hatch/contract/frames";
import { LIMITS } from "@hatch/contract/limits";
import { revokeSession } from "../../domain/auth/sessions";
import type { ChatView, MemberView } from "../../domain/chats/queries";
import { listUsers, updateProfile } from "../../domain/users/users";
import { ApiError } from "../../errors";
import type { EggBridge } from "./bridge";
import { eggMessage, turnServer } from "./chat-events";
import { userInfo } from "./people";
import { handleEggRoomFrame } from "./room-requests";
import { type EggC2S, eggError, S2C } from "./ws-frames";

/**
 * One client frame of the seed's chat protocol v1, translated into native
 * socket requests (or, for what the native socket has no frame for, the
 * same domain calls REST makes) and the answer translated back. Types whose
 * table says "нет или s2c_error" answer only on failure.
 */
export async function handleEggFrame(b: EggBridge, f: EggC2S): Promise<void> {
	try {
		await dispatch(b, f);
	} catch (err) {
		if (!(err instanceof ApiError)) throw err;
		b.toClient(eggError(err.status));
	}
}

const none = () => undefined;

async function dispatch(b: EggBridge, f: EggC2S): Promise<void> {
	const me = b.auth.userId;
	switch (f.msg_type) {
		case 1:
			return b.ask({ type: "chat.list" }, (r) => {
				const chats = (r as { chats: ChatView[] }).chats;
				b.toClient({ msg_type: S2C.chat_list, chats: chats.map((c) => c.id) });
			});
		case 2:
			return b.ask({ type: "chat.info", chat_id: f.chat_id }, async (r) => {
				const chat = r as ChatView & { members: MemberView[] };
				const ids = chat.members.map((m) => m.user_id);
				const msisdns = await b.people.msisdns(chat.owner_id ? [...ids, chat.owner_id] : ids);
				b.toClient({
					msg_type: S2C.chat_info,
					chat_id: chat.id,
					name: chat.name,
					users: ids.map((id) => msisdns.get(id) ?? null),
					is_muted: chat.muted,
					chat_owner: chat.owner_id ? (msisdns.get(chat.owner_id) ?? null) : null,
					access_group: "users",
				});
			});
		case 3: {
			const members = await Promise.all(f.users.map(async (m) => (await b.people.byMsisdn(m)).id));
			return b.ask({ type: "chat.create", name: f.name, members }, (r) => {
				const chat = r as ChatView;
				// Answered once followed, so the client's next send is heard; not awaited (same hub chain).
				void b
					.subscribe(chat.id)
					.then(() => b.toClient({ msg_type: S2C.chat_create_result, chat_id: chat.id }));
			});
		}
		case 4:
			return b.ask({ type: "chat.leave", chat_id: f.chat_id }, none);
		case 5:
			return b.ask({ type: "chat.delete", chat_id: f.chat_id }, none);
		case 6: {
			const user = await b.people.byMsisdn(f.user_msisdn);
			return b.ask({ type: "chat.invite", chat_id: f.chat_id, user: user.id }, none);
		}
		case 7:
		case 8:
			return b.ask({ type: f.msg_type === 7 ? "chat.mute" : "chat.unmute", chat_id: f.chat_id }, none);
		case 9:
			return b.ask({ type: "chat.typing", chat_id: f.chat_id }, none, { quiet: true });
		case 29:
			return b.ask({ type: "chat.accept", chat_id: f.chat_id }, () => void b.subscribe(f.chat_id));
		case 30:
			return b.ask({ type: "chat.reject", chat_id: f.chat_id }, none);
		case 10:
			return b.ask(
				{ type: "message.send", chat_id: f.chat_id, client_id: crypto.randomUUID(), text: f.msg_body },
				(r) => {
					const { message } = r as { message: Message };
					b.toClient({ msg_type: S2C.message_send_result, msg_id: message.seq, chat_id: f.chat_id });
				},
			);
		case 11:
			return b.ask(
				{ type: "message.history", chat_id: f.chat_id, after_seq: f.msg_id, page_size: LIMITS.PAGE_SIZE_MAX },
				async (r) => {
					const { items } = r as { items: Message[] };
					const messages = await Promise.all(items.map((m) => eggMessage(b.people, m)));
					b.toClient({ msg_type: S2C.message_list, chat_id: f.chat_id, messages });
				},
			);
		case 12:
			return b.ask({ type: "message.edit", chat_id: f.chat_id, seq: f.msg_id, text: f.msg_body }, none);
		case 13:
			return b.ask({ type: "message.read", chat_id: f.chat_id, seq: f.msg_id }, none);
		case 14:
			await revokeSession(b.db, me, b.auth.sessionId, "egg_logout");
			return b.close();
		case 15: {
			const user = await b.people.byMsisdn(f.user_msisdn);
			return b.toClient({ msg_type: S2C.user_info, ...userInfo(user) });
		}
		case 16: {
			const user = await b.people.byMsisdn(f.user_msisdn);
			return b.ask({ type: "presence.get", user_id: user.id }, (r) => {
				const p = r as { online: boolean; last_seen: number | null };
				b.toClient({
					msg_type: S2C.user_status,
					user_msisdn: userInfo(user).user_msisdn,
					is_online: p.online,
					last_visit_timestamp: p.last_seen,
				});
			});
		}
		case 17: {
			const user = await b.people.byMsisdn(f.user_msisdn);
			if (user.id !== me) throw new ApiError("FORBIDDEN", "Only your own info can be set");
			const gender = f.is_male === undefined ? undefined : f.is_male ? "male" : "female";
			await updateProfile(b.db, me, { firstName: f.fname, lastName: f.lname, age: f.age, gender });
			return;
		}
		case 18: {
			const query = `${f.fname} ${f.lname}`.trim();
			const { items } = await listUsers(b.db, { query: query || undefined, pageSize: 50 });
			const users = items.filter((u) => u.phone && !u.hidden).map((u) => userInfo(u).user_msisdn);
			return b.toClient({ msg_type: S2C.user_search_result, users });
		}
		case 40: {
			const found = await Promise.allSettled(f.msisdns.map((m) => b.people.byMsisdn(m)));
			const users = found.flatMap((r) => (r.status === "fulfilled" ? [userInfo(r.value)] : []));
			return b.toClient({ msg_type: S2C.user_info_bulk, users });
		}
		case 41:
			return b.ask(
				{ type: "device.register", push_token: f.push_token, device_type: f.type, device_id: f.device_id },
				none,
			);
		case 19:
		case 20:
		case 21:
		case 22:
		case 23:
		case 24:
		case 25:
		case 26:
		case 27:
		case 28:
			return handleEggRoomFrame(b, f);
		case 34: {
			const callee = await b.people.byMsisdn(f.msisdn).catch(() => null);
			if (!callee) return b.toClient({ msg_type: S2C.call_bye, code: 404 });
			return b.ask({ type: "call.offer", callee: callee.id, sdp: f.sdp }, none, {
				onError: (code) => b.toClient({ msg_type: S2C.call_bye, code }),
			});
		}
		case 35:
			return b.ask({ type: "call.ack" }, none, { quiet: true });
		case 36: {
			const candidate = typeof f.candidate === "string" ? { candidate: f.candidate } : f.candidate;
			return b.ask({ type: "call.ice", candidate }, none, { quiet: true });
		}
		case 37:
			return b.ask({ type: "call.bye", code: f.code }, none, { quiet: true });
		case 38:
			return b.ask({ type: "call.answer", sdp: f.sdp }, none, {
				onError: (code) => b.toClient({ msg_type: S2C.call_bye, code }),
			});
		case 39:
			return b.ask({ type: "call.lock_turn" }, (r) => b.toClient(turnServer(r)));
		default: {
			const unreachable: never = f;
			b.toClient(eggError(404));
			return unreachable;
		}
	}
}
