import { encodeFrame, pickTransport, type Transport } from "@hatch/contract/codec";
import { decode } from "@msgpack/msgpack";
import type { Context } from "hono";
import { sessionFromKey } from "../../domain/auth/session-key";
import type { AppEnv, AuthContext } from "../../env";
import { ApiError } from "../../errors";
import { createRouter } from "../../lib/router";
import { linkToHub } from "../hub-link";
import { EggBridge } from "./bridge";
import { handleNativeEvent } from "./chat-events";
import { handleEggFrame } from "./chat-requests";
import { People } from "./people";
import { type EggS2C, eggError, parseEggFrame } from "./ws-frames";

/** The seed's protocol modules by `$VERSION/$PROTOCOL`, and whether each needs a session. */
const MODULES = { "1/default": { session: false }, "1/chat": { session: true } } as const;
type ModuleName = keyof typeof MODULES;

/**
 * Opens `/ws/$VERSION/$PROTOCOL` or `/session/$SESSION_ID/ws/$VERSION/$PROTOCOL`
 * with the seed's answers: 404 for an unknown module, 403 without the rights
 * (chat needs a live session), 501 for a transport other than json/msgpack.
 */
async function open(c: Context<AppEnv>, sid: string | undefined): Promise<Response> {
	if (c.req.header("Upgrade")?.toLowerCase() !== "websocket")
		throw new ApiError("UPGRADE_REQUIRED", "This endpoint only accepts WebSocket upgrades", { status: 426 });
	const name = `${c.req.param("version")}/${c.req.param("protocol")}`;
	if (!(name in MODULES)) throw new ApiError("NOT_FOUND", `No protocol module ${name}`);
	const auth = sid === undefined ? null : await sessionFromKey(c.var.db, c.env.JWT_SECRET, sid);
	if ((sid !== undefined && !auth) || (MODULES[name as ModuleName].session && !auth))
		throw new ApiError("FORBIDDEN", "No rights to open this protocol");
	const transport = pickTransport(c.req.header("Sec-WebSocket-Protocol") ?? null);
	if (!transport)
		throw new ApiError("UNSUPPORTED_TRANSPORT", "Sec-WebSocket-Protocol must be json or msgpack", {
			status: 501,
		});
	const pair = new WebSocketPair();
	const [client, server] = [pair[0], pair[1]];
	server.accept();
	if (auth) await bridgeChat(c, server, transport, auth);
	else echo(server, transport);
	return new Response(null, {
		status: 101,
		webSocket: client,
		headers: { "Sec-WebSocket-Protocol": transport },
	});
}

/** Reads one client frame in its transport (binary may come as a Blob); undefined when it cannot be read. */
async function unwrap(data: string | ArrayBuffer | Blob, transport: Transport): Promise<unknown> {
	try {
		if (transport === "json") return typeof data === "string" ? JSON.parse(data) : undefined;
		if (typeof data === "string") return undefined;
		return decode(new Uint8Array(data instanceof Blob ? await data.arrayBuffer() : data));
	} catch {
		return undefined;
	}
}

/** The `default` protocol, for tests and debugging: every frame comes back as it was read. */
function echo(ws: WebSocket, transport: Transport) {
	let chain = Promise.resolve();
	ws.addEventListener("message", (ev) => {
		chain = chain.then(async () => {
			const value = await unwrap(ev.data as string | ArrayBuffer | Blob, transport);
			ws.send(encodeFrame(value === undefined ? eggError(400) : value, transport));
		});
	});
}

/** The `chat` protocol: a native hub socket of the same session behind it, each side translated. */
async function bridgeChat(c: Context<AppEnv>, ws: WebSocket, transport: Transport, auth: AuthContext) {
	const toClient = (f: EggS2C) => {
		try {
			ws.send(encodeFrame(f, transport));
		} catch {
			// the client is gone
		}
	};
	const people = new People(c.var.db, c.env.EGG_PHONE_REGION);
	await linkToHub(
		c.env,
		auth,
		ws,
		c.var.log,
		(toHub, close) => new EggBridge(c.env, c.var.db, auth, people, toClient, toHub, close),
		(bridge) => ({
			onClient: async (data) => {
				const parsed = parseEggFrame(await unwrap(data, transport));
				if (!parsed.ok) return toClient(parsed.error);
				await handleEggFrame(bridge, parsed.frame);
			},
			onEvent: (frame) => handleNativeEvent(bridge, frame),
			follows: (chat) => chat.status === "active",
			onFailure: () => toClient(eggError(500)),
		}),
	);
}

/** The seed's sockets at /compat/egg. */
export const eggWsRoutes = createRouter()
	.get("/ws/:version/:protocol", (c) => open(c, undefined))
	.get("/session/:sid/ws/:version/:protocol", (c) => open(c, c.req.param("sid")));
