import { SipAuthUser, SipDomain, SipUser } from "@hatch/contract/dialer";
import { ShortName } from "@hatch/contract/names";
import { createRoute, z } from "@hono/zod-openapi";
import { placeTestCall } from "../domain/trunks/test-call";
import {
	createTrunk,
	deleteTrunk,
	getOwnedTrunk,
	listTrunks,
	trunkView,
	updateTrunk,
} from "../domain/trunks/trunks";
import { createRouter } from "../lib/router";
import { errors, IdParam, json, ownedResource, security } from "./owned-resource";

const Codec = z.enum(["PCMU", "PCMA"]);

export const TrunkCreate = z
	.object({
		name: ShortName(100),
		// Its shape is judged by the domain (422 SIP_HOST_INVALID), with the rule the dialer applies.
		host: z
			.string()
			.trim()
			.min(1)
			.max(253)
			.meta({
				description:
					"A DNS name of two or more labels (sip.example.com) or a canonical IPv4 (203.0.113.5) or IPv6 address; " +
					"any other spelling of an address (2130706433, 127.1, 0x7f000001) is 422 SIP_HOST_INVALID",
			}),
		port: z.number().int().min(1).max(65535).optional(),
		transport: z.enum(["udp", "tcp", "tls"]).optional(),
		username: SipUser.nullable().optional(),
		password: z.string().min(1).max(256).nullable().optional(),
		auth_username: SipAuthUser.nullable().optional(),
		from_user: SipUser.max(64).nullable().optional(),
		caller_id: z
			.string()
			.trim()
			.min(1)
			.max(64)
			.regex(/^\+?[0-9A-Za-z._-]+$/, "digits, letters, + . _ -")
			.nullable()
			.optional(),
		domain: SipDomain.nullable().optional(),
		codecs: z
			.array(Codec)
			.min(1)
			.max(2)
			.refine((a) => new Set(a).size === a.length, "codecs must be distinct")
			.optional(),
	})
	.strict()
	.openapi("SipTrunkCreate");
const TrunkUpdate = TrunkCreate.partial().strict().openapi("SipTrunkUpdate");
const Trunk = z
	.object({
		id: z.string(),
		name: z.string(),
		host: z.string(),
		port: z.number(),
		transport: z.enum(["udp", "tcp", "tls"]),
		username: z.string().nullable(),
		has_password: z.boolean(),
		auth_username: z.string().nullable(),
		from_user: z.string().nullable(),
		caller_id: z.string().nullable(),
		domain: z.string().nullable(),
		codecs: z.array(Codec),
		last_test: z.record(z.string(), z.unknown()).nullable(),
		created_at: z.string(),
		updated_at: z.string(),
	})
	.openapi("SipTrunk");
const tags = ["voice: sip trunks"];

export const sipTrunkRoutes = createRouter();
const trunks = ownedResource(sipTrunkRoutes, { path: "/v1/sip-trunks", tags });

sipTrunkRoutes.openapi(
	createRoute({
		method: "post",
		path: "/v1/sip-trunks",
		tags,
		security,
		summary: "Add a SIP trunk (the password is stored encrypted and never returned)",
		request: { body: { content: { "application/json": { schema: TrunkCreate } }, required: true } },
		responses: {
			201: json(Trunk, "Created"),
			422: { description: "SIP_HOST_INVALID / SIP_HOST_DENIED" },
			...errors,
		},
	}),
	async (c) => {
		const row = await createTrunk(c.env, c.var.db, c.var.auth.userId, c.req.valid("json"));
		return c.json(trunkView(row), 201);
	},
);

trunks.list("Your SIP trunks, newest first", Trunk, listTrunks, trunkView);
trunks.get("One SIP trunk", Trunk, getOwnedTrunk, trunkView);

sipTrunkRoutes.openapi(
	createRoute({
		method: "patch",
		path: "/v1/sip-trunks/{id}",
		tags,
		security,
		summary: "Change a SIP trunk (`password: null` removes the password)",
		request: {
			params: IdParam,
			body: { content: { "application/json": { schema: TrunkUpdate } }, required: true },
		},
		responses: {
			200: json(Trunk, "Updated"),
			422: { description: "SIP_HOST_INVALID / SIP_HOST_DENIED" },
			...errors,
		},
	}),
	async (c) => {
		const trunk = await getOwnedTrunk(c.var.db, c.var.auth.userId, c.req.valid("param").id);
		return c.json(trunkView(await updateTrunk(c.env, c.var.db, trunk, c.req.valid("json"))), 200);
	},
);

trunks.delete("Delete a SIP trunk", getOwnedTrunk, (trunk, _env, db) => deleteTrunk(db, trunk));

const TestCall = z
	.object({ to: z.string().min(3).max(32), sound_id: z.string().min(1).max(64) })
	.strict()
	.openapi("SipTrunkTestCall");

sipTrunkRoutes.openapi(
	createRoute({
		method: "post",
		path: "/v1/sip-trunks/{id}/test-call",
		tags,
		security,
		summary: "Dial one number through this trunk and play a sound; progress shows in the trunk's `last_test`",
		request: {
			params: IdParam,
			body: { content: { "application/json": { schema: TestCall } }, required: true },
		},
		responses: {
			202: json(z.object({ call_id: z.string(), to: z.string(), state: z.string() }), "Dialing"),
			422: { description: "INVALID_NUMBER / DO_NOT_CALL / SIP_HOST_DENIED" },
			502: { description: "DIALER_REJECTED / DIALER_UNAVAILABLE" },
			...errors,
		},
	}),
	async (c) => {
		const trunk = await getOwnedTrunk(c.var.db, c.var.auth.userId, c.req.valid("param").id);
		const { to, sound_id } = c.req.valid("json");
		return c.json(await placeTestCall(c.env, c.var.db, trunk, to, sound_id), 202);
	},
);
