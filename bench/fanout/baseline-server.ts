// The baseline for bench/fanout: the smallest useful broadcast server on the
// `ws` package. POST /send with a JSON body broadcasts it, as a message.new
// frame, to every connected socket and answers 201, so the sender and the
// receivers do exactly what they do against Hatch. No storage, no auth, no
// ordering guarantees across restarts: the ceiling of a single Node process.
//
//   node bench/fanout/baseline-server.ts <port>
import { createServer } from "node:http";
import { WebSocketServer } from "ws";

const port = Number(process.argv[2] ?? 0);
let seq = 0;
const server = createServer((req, res) => {
	if (req.method !== "POST" || req.url !== "/send") {
		res.writeHead(req.url === "/health" ? 200 : 404).end();
		return;
	}
	const chunks: Buffer[] = [];
	req.on("data", (c: Buffer) => chunks.push(c));
	req.on("end", () => {
		const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { text: string };
		seq++;
		const frame = JSON.stringify({
			type: "message.new",
			chat_id: "baseline",
			seq,
			message: { seq, text: body.text },
		});
		for (const ws of wss.clients) if (ws.readyState === ws.OPEN) ws.send(frame);
		res.writeHead(201, { "Content-Type": "application/json" }).end(JSON.stringify({ seq }));
	});
});
const wss = new WebSocketServer({ server, handleProtocols: (p) => (p.has("json") ? "json" : false) });
wss.on("connection", (ws) => ws.send(JSON.stringify({ type: "hello" })));
server.listen(port, "127.0.0.1", () => {
	const addr = server.address();
	console.log(`listening ${typeof addr === "object" && addr ? addr.port : port}`);
});
