// A raw WebSocket client over a plain TCP socket, so nothing in a client
// library decides when the connection ends: it measures, from the moment the
// server's close frame arrives, how long until the server ends the TCP
// connection (FIN or reset), and whether a request sent in that window gets
// an answer.
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export type Linger = {
	/** The close frame's code. */
	code: number;
	/** ms from the close frame to the server's FIN (or reset); null if it had not come within `boundMs`. */
	tcpEndMs: number | null;
	/** Frames the server sent after its close frame (a request sent in the window gets none). */
	framesAfterClose: number;
};

export type Options = {
	host: string;
	port: number;
	path: string;
	headers?: Record<string, string>;
	/** Send one text frame (and wait for its answer) before the server closes. */
	sendFirst?: string;
	/** Answer the close frame with a close frame, as RFC 6455 §5.5.1 asks. */
	replyClose?: boolean;
	/** Send a text frame right after the close frame arrives (a request in the window). */
	probe?: string;
	boundMs?: number;
};

function frame(opcode: number, payload: Buffer): Buffer {
	const mask = randomBytes(4);
	const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
	if (payload.length > 125) throw new Error("short frames only");
	return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
}

/** Opens the socket; `whenOpen` runs once it is open (and `sendFirst` answered), e.g. to make the server close it. */
export function measure(o: Options, whenOpen: () => Promise<void>): Promise<Linger> {
	const bound = o.boundMs ?? 20_000;
	return new Promise((resolve, reject) => {
		const sock: Socket = connect(o.port, o.host);
		let buf = Buffer.alloc(0);
		let upgraded = false;
		let closeAt = 0;
		let code = 0;
		let after = 0;
		let answered: (() => void) | null = null;
		const timer = setTimeout(() => {
			sock.destroy();
			if (closeAt) resolve({ code, tcpEndMs: null, framesAfterClose: after });
			else reject(new Error("no close frame within the bound"));
		}, bound);
		const finish = () => {
			if (!closeAt) return;
			clearTimeout(timer);
			resolve({ code, tcpEndMs: performance.now() - closeAt, framesAfterClose: after });
			closeAt = 0;
			sock.destroy();
		};
		sock.on("end", finish);
		sock.on("close", finish);
		sock.on("error", () => finish());
		sock.on("connect", () => {
			const key = randomBytes(16).toString("base64");
			const extra = Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`);
			sock.write(
				`GET ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
					`Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra.join("")}\r\n`,
			);
		});
		sock.on("data", (chunk) => {
			buf = Buffer.concat([buf, chunk]);
			if (!upgraded) {
				const end = buf.indexOf("\r\n\r\n");
				if (end < 0) return;
				const head = buf.subarray(0, end).toString();
				if (!head.startsWith("HTTP/1.1 101")) {
					clearTimeout(timer);
					sock.destroy();
					return reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
				}
				upgraded = true;
				buf = buf.subarray(end + 4);
				const open = async () => {
					if (o.sendFirst !== undefined) {
						const got = new Promise<void>((r) => {
							answered = r;
						});
						sock.write(frame(1, Buffer.from(o.sendFirst)));
						await got;
					}
					await whenOpen();
				};
				open().catch((e) => {
					clearTimeout(timer);
					sock.destroy();
					reject(e);
				});
			}
			while (buf.length >= 2) {
				const op = (buf[0] as number) & 0x0f;
				let len = (buf[1] as number) & 0x7f;
				let off = 2;
				if (len === 126) {
					if (buf.length < 4) return;
					len = buf.readUInt16BE(2);
					off = 4;
				} else if (len === 127) {
					if (buf.length < 10) return;
					len = Number(buf.readBigUInt64BE(2));
					off = 10;
				}
				if (buf.length < off + len) return;
				const payload = buf.subarray(off, off + len);
				buf = buf.subarray(off + len);
				if (closeAt) after++;
				if (op === 8) {
					closeAt = performance.now();
					code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
					if (o.probe !== undefined) sock.write(frame(1, Buffer.from(o.probe)));
					if (o.replyClose) sock.write(frame(8, payload.subarray(0, 2)));
				} else if (answered) {
					answered();
					answered = null;
				}
			}
		});
	});
}
