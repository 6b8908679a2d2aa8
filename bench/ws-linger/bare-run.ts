// The bare Durable Object's matrix on one server (workerd alone or wrangler dev):
//   node bench/ws-linger/bare-run.ts PORT [query]
import { measure } from "./client.ts";

const port = Number(process.argv[2]);
const extra = process.argv[3] ? `&${process.argv[3]}` : "";
for (const mode of ["hibernate", "accept"])
	for (const sendFirst of [undefined, "hi"])
		for (const replyClose of [false, true]) {
			let kicked = 0;
			const r = await measure(
				{ host: "127.0.0.1", port, path: `/ws?mode=${mode}${extra}`, sendFirst, replyClose, boundMs: 15_000 },
				async () => {
					await (await fetch(`http://127.0.0.1:${port}/kick`)).text();
					kicked = Date.now();
				},
			);
			const ev = (await (await fetch(`http://127.0.0.1:${port}/events`)).json()) as {
				events: { at: number }[];
			};
			const closeEventMs = ev.events[0] ? ev.events[0].at - kicked : null;
			console.log(JSON.stringify({ mode, sentFirst: !!sendFirst, replyClose, ...r, closeEventMs }));
		}
