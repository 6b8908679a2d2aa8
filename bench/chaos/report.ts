// bench/results/chaos.md from the run's figures.

// biome-ignore lint/suspicious/noExplicitAny: the figures object is built in run.ts and printed as is
type Result = any;

const n = (x: unknown) => (typeof x === "number" ? x.toLocaleString("en") : String(x));

/** The Markdown summary of one chaos run. @example writeFileSync(md, chaosMarkdown(result)); */
export function chaosMarkdown(r: Result): string {
	const k = r.campaign;
	const c = r.chat;
	const campaign = k
		? `## Campaign against sipp while the dialer is killed

${n(k.contacts)} contacts (most answer, every fifth busy and retried once, every tenth fails), max 2 concurrent; the dialer was killed (SIGKILL) ${n(k.dialer_kills)} times and restarted ${n(k.dialer_restarts)} times. Campaign status at the end: **${k.status}**, counts \`${JSON.stringify(k.counts)}\`.

| check | result |
| --- | ---: |
| call records (attempts) | ${n(k.call_records)} |
| INVITEs seen by sipp (distinct Call-IDs) / numbers | ${n(k.invites_seen)} / ${n(k.numbers_invited)} |
| numbers dialed more often than they had attempts | **${n(k.numbers_dialed_more_than_attempts)}** (${n(k.extra_dials)} extra dials) |
| contacts not in a terminal state | **${n(k.contacts_not_terminal)}** |
| time | ${n(k.seconds)} s |
${k.examples?.length ? `\nExamples of numbers dialed twice: \`${JSON.stringify(k.examples)}\`\n` : ""}`
		: "";
	return `# Chaos suite (${r.at})

\`npm run chaos -- --messages ${r.args.messages} --minutes ${r.args.minutes} --seed ${r.seed}\` on \`wrangler dev\` (local workerd, D1, Durable Objects), ${r.machine.cpus} shared CPUs, node ${r.machine.node}; 1-min load average ${r.machine.loadavg_start} at start, ${r.machine.loadavg_end} at end. Total ${n(r.duration_s)} s.

${c ? chatSection(r) : "(messages phase skipped: --messages 0)\n"}
${campaign}`;
}

function chatSection(r: Result): string {
	const c = r.chat;
	const d = c.during_run;
	const a = c.after_catch_up;
	return `## Messages under chaos

${n(c.chats)} group chats (10 members each, ${n(c.users)} users), ${n(c.clients)} sockets: ${n(c.viewer_clients)} chat-viewing, ${n(c.hub_clients)} hub (each subscribed to up to 3 of its user's chats), json and msgpack alternating. Messages are sent with a \`client_id\` over the sender's socket (\`message.send\`) or over REST, and retried with the same \`client_id\` until confirmed. Meanwhile the driver drops a random socket about twice a second, evicts a ChatRoom or UserHub about every 2 s (dev-only \`POST /v1/dev/evict\`, \`ctx.abort()\`), and kills \`wrangler dev\` with workerd (SIGKILL) and restarts it on the same \`--persist-to\` state ${n(r.args.restarts)} times. Clients reconnect and resume with \`chat.subscribe {after_seq}\`; on a gap in \`seq\` they subscribe again from their last seq (3 tries, 3 s apart), then open a new socket.

| figure | value |
| --- | ---: |
| messages sent / confirmed / in the ChatRoom logs | ${n(c.messages_sent)} / ${n(c.messages_confirmed)} / ${n(c.messages_in_logs)} (target ${n(c.messages_target)}) |
| sends still unconfirmed 120 s after the time limit (reported, not waited on) | ${n(c.messages_unconfirmed_at_end ?? 0)} |
| send time, rate | ${n(c.send_seconds)} s, ${n(c.msgs_per_s)} msgs/s |
| sends over a socket / over REST / retries | ${n(c.socket_sends)} / ${n(c.rest_sends)} / ${n(c.send_retries)} |
| confirmed messages missing from the log; stored twice; holes in a log's seq | **${n(c.confirmed_missing_from_log)}**; **${n(c.stored_duplicates)}**; **${n(c.log_seq_gaps)}** |
| sockets dropped by the driver / server restarts (ms each) / DO evictions | ${n(c.socket_kills)} / ${n(c.server_restarts)} (${c.restart_ms.join(", ")}) / ${n(c.do_evictions)} (${n(c.eviction_failures)} failed) |
| socket closes seen / connects / failed connects | ${n(a.closes)} / ${n(a.connects)} / ${n(a.connect_failures)} |
| while sending: gaps found / healed; re-subscribes; gaps that needed a new socket (sockets reopened for it) | ${n(d.gaps_found)} / ${n(d.gaps_healed)}; ${n(d.resubscribes)}; ${n(d.heals_by_new_socket)} (${n(d.heal_socket_reopens)}) |
| duplicate copies received (dropped by the client) | ${n(a.duplicate_copies)} |
| client chats behind when sending stopped; catch-up time | ${n(c.chats_behind_when_sending_stopped)}; ${n(c.final_catch_up_s)} s |
| after catch-up: gaps found / healed; heals by a new socket | ${n(a.gaps_found)} / ${n(a.gaps_healed)}; ${n(a.heals_by_new_socket)} |
| deliveries expected / held | ${n(c.deliveries_expected)} / ${n(c.deliveries_held)} |
| **clients holding every message of their chats once, in seq order** | **${n(c.clients_complete)} / ${n(c.clients)}** (${n(c.messages_missing_at_clients)} messages missing, ${n(c.held_out_of_order_or_wrong)} out of place) |
| **D1 chat index (last_seq, last message) agrees with the ChatRoom log** | **${n(c.d1_index.agree)} / ${n(c.d1_index.chats)}** |
| server CPU (wrangler + workerd) | ${n(c.server_cpu_s)} s |
${c.d1_index.disagree.length ? `\nD1 disagreements (first 10): \`${JSON.stringify(c.d1_index.disagree)}\`\n` : ""}`;
}
