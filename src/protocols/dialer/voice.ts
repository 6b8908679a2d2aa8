import { z } from "zod";
import { MAX_SOUND_BYTES } from "../../domain/sounds/audio";
import { createSound, getOwnedSound, listSounds, soundView } from "../../domain/sounds/sounds";
import { placeTestCall } from "../../domain/trunks/test-call";
import { createTrunk, getOwnedTrunk, listTrunks, trunkView } from "../../domain/trunks/trunks";
import { ApiError } from "../../errors";
import { readUpload } from "../../lib/read-upload";
import { createRouter } from "../../lib/router";
import { requireAuth } from "../../middleware/auth";
import { TrunkCreate } from "../../routes/sip-trunks";

/** The seed leaves the gateway's fields open: they are a Hatch SIP trunk's, `name` optional. */
const Gateway = TrunkCreate.extend({ name: z.string().trim().min(1).max(100).default("gateway") });
const Sample = z.object({
	number: z.string().trim().min(3).max(32),
	sound_id: z.string().min(1).max(64),
	gateway_id: z.string().min(1).max(64).optional(),
});

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
	const r = schema.safeParse(raw);
	if (r.success) return r.data;
	const issue = r.error.issues[0];
	throw new ApiError("VALIDATION_FAILED", `${issue?.path.join(".") || "body"}: ${issue?.message}`);
}

async function json(req: Request): Promise<unknown> {
	try {
		return await req.json();
	} catch {
		throw new ApiError("INVALID_JSON", "The body must be JSON");
	}
}

/**
 * The dialer seed's telephony settings: gateway (SIP trunk), sounds and the
 * sample call, behind the bearer token, on Hatch's trunks and sounds.
 */
export const dialerVoiceRoutes = createRouter()
	.get("/srv1/gateway", requireAuth, async (c) => {
		const rows = await listTrunks(c.var.db, c.var.auth.userId, 100);
		return c.json({ gateways: rows.map(trunkView) });
	})
	.post("/srv1/gateway", requireAuth, async (c) => {
		const body = parse(Gateway, await json(c.req.raw));
		return c.json(trunkView(await createTrunk(c.env, c.var.db, c.var.auth.userId, body)), 201);
	})
	.get("/srv1/sound", requireAuth, async (c) => {
		const rows = await listSounds(c.var.db, c.var.auth.userId, 100);
		return c.json({ sounds: rows.map(soundView) });
	})
	.post("/srv1/sound", requireAuth, async (c) => {
		const upload = await readUpload(c.req.raw, MAX_SOUND_BYTES);
		const name = upload.fields.name?.trim().slice(0, 100) || upload.filename?.slice(0, 100) || "sound";
		return c.json(soundView(await createSound(c.env, c.var.db, c.var.auth.userId, name, upload.bytes)), 201);
	})
	.post("/srv1/call/sample", requireAuth, async (c) => {
		const body = parse(Sample, await json(c.req.raw));
		const me = c.var.auth.userId;
		// The seed has one gateway per user: without gateway_id, the newest one.
		const trunk = body.gateway_id
			? await getOwnedTrunk(c.var.db, me, body.gateway_id)
			: (await listTrunks(c.var.db, me, 1))[0];
		if (!trunk) throw new ApiError("NOT_FOUND", "Set up a gateway first (POST /srv1/gateway)");
		await getOwnedSound(c.var.db, me, body.sound_id);
		return c.json(await placeTestCall(c.env, c.var.db, trunk, body.number, body.sound_id), 202);
	});
