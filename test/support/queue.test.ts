import { describe, expect, it } from "vitest";
import {
	type Actor,
	type Conversation,
	mayReply,
	openConversation,
	type Step,
	step,
	waitingOldestFirst,
} from "../../src/domain/support/queue";

const carol = { id: "carol", name: "Carol" };
const ann: Actor = { id: "ann", name: "Ann", role: "operator" };
const bob: Actor = { id: "bob", name: "Bob", role: "operator" };
const boss: Actor = { id: "boss", name: "Boss", role: "admin" };
const msg = (seq: number, at: number, from_support = false) => ({ seq, text: `m${seq}`, from_support, at });

function ok(r: Step): Conversation {
	if (!r.ok) throw new Error(`refused: ${r.code}`);
	return r.conversation;
}

const waiting = () =>
	ok(step(openConversation("c1", carol, 7, 0), { type: "customer_message", message: msg(1, 100) }, 100));

describe("support queue rules", () => {
	it("the first customer message puts the conversation in the queue; more raise unread, not the wait start", () => {
		const c = waiting();
		expect(c).toMatchObject({ status: "waiting", waiting_since: 100, unread: 1, assignee: null });
		const more = ok(step(c, { type: "customer_message", message: msg(2, 150) }, 150));
		expect(more).toMatchObject({ waiting_since: 100, unread: 2, last_message: { seq: 2 } });
	});

	it("take: the first operator wins with a membership effect, the second is refused, the same one again is a no-op", () => {
		const first = step(waiting(), { type: "take", by: ann }, 200);
		expect(first).toMatchObject({
			ok: true,
			effects: [{ type: "member_add", chat_id: "c1", user_id: "ann" }],
		});
		const taken = ok(first);
		expect(step(taken, { type: "take", by: bob }, 201)).toMatchObject({
			ok: false,
			code: "ALREADY_TAKEN",
			status: 409,
		});
		expect(step(taken, { type: "take", by: ann }, 202)).toMatchObject({ ok: true, effects: [] });
	});

	it("a support message answers: unread and the wait clear, the first response is kept", () => {
		const taken = ok(step(waiting(), { type: "take", by: ann }, 200));
		const answered = ok(
			step(taken, { type: "support_message", operator: ann, message: msg(2, 300, true) }, 300),
		);
		expect(answered).toMatchObject({ unread: 0, waiting_since: null, first_response_at: 300 });
		const again = ok(
			step(answered, { type: "support_message", operator: ann, message: msg(3, 400, true) }, 400),
		);
		expect(again.first_response_at).toBe(300);
	});

	it("only the assignee (or an admin) replies, transfers or closes", () => {
		const taken = ok(step(waiting(), { type: "take", by: ann }, 200));
		expect(mayReply(taken, ann)).toBeNull();
		expect(mayReply(taken, bob)).toMatchObject({ code: "NOT_ASSIGNED" });
		expect(mayReply(waiting(), ann)).toMatchObject({ code: "NOT_ASSIGNED" });
		expect(step(taken, { type: "transfer", by: bob, to: bob }, 210)).toMatchObject({
			ok: false,
			code: "NOT_ASSIGNED",
		});
		expect(step(taken, { type: "close", by: bob }, 210)).toMatchObject({ ok: false, code: "NOT_ASSIGNED" });
		expect(step(taken, { type: "close", by: boss }, 210)).toMatchObject({ ok: true });
	});

	it("transfer moves membership to the new operator, or back to the queue", () => {
		const taken = ok(step(waiting(), { type: "take", by: ann }, 200));
		const moved = step(taken, { type: "transfer", by: ann, to: bob }, 210);
		expect(moved).toMatchObject({
			ok: true,
			conversation: { status: "assigned", assignee: { id: "bob" } },
			effects: [
				{ type: "member_remove", user_id: "ann" },
				{ type: "member_add", user_id: "bob" },
			],
		});
		const queued = step(ok(moved), { type: "transfer", by: bob, to: null }, 220);
		expect(queued).toMatchObject({
			ok: true,
			conversation: { status: "waiting", assignee: null, waiting_since: 100 },
			effects: [{ type: "member_remove", user_id: "bob" }],
		});
	});

	it("close, then the customer's next message reopens it into the queue", () => {
		const taken = ok(step(waiting(), { type: "take", by: ann }, 200));
		const closed = ok(step(taken, { type: "close", by: ann }, 300));
		expect(closed).toMatchObject({ status: "closed", assignee: null, closed_at: 300, unread: 0 });
		expect(step(closed, { type: "close", by: ann }, 301)).toMatchObject({
			ok: false,
			code: "CONVERSATION_CLOSED",
		});
		expect(step(closed, { type: "take", by: ann }, 301)).toMatchObject({
			ok: false,
			code: "CONVERSATION_CLOSED",
		});
		const reopened = ok(step(closed, { type: "customer_message", message: msg(5, 400) }, 400));
		expect(reopened).toMatchObject({ status: "waiting", closed_at: null, waiting_since: 400, unread: 1 });
	});

	it("the queue is oldest first and holds only waiting conversations", () => {
		const a = { ...waiting(), id: "a", waiting_since: 300 };
		const b = { ...waiting(), id: "b", waiting_since: 100 };
		const c = { ...waiting(), id: "c", status: "assigned" as const };
		expect(waitingOldestFirst([a, b, c]).map((x) => x.id)).toEqual(["b", "a"]);
	});
});
