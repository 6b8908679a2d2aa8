import { and, desc, eq, lt } from "drizzle-orm";
import { type SoundRow, sounds } from "../../db/schema";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import type { VoiceDb as Db } from "../campaigns/db";
import { prepareSound, SoundError } from "./audio";

/** @example soundView(row) // { id, name, format: "wav", duration_ms: 3000, ... } */
export function soundView(s: SoundRow) {
	return {
		id: s.id,
		name: s.name,
		format: s.format,
		duration_ms: s.durationMs,
		size_bytes: s.sizeBytes,
		sample_rate: s.sampleRate,
		channels: s.channels,
		/** "pcmu" when an 8 kHz µ-law copy is stored; MP3s are converted by the dialer on first use. */
		converted: s.convertedKey ? ("pcmu" as const) : null,
		created_at: s.createdAt.toISOString(),
	};
}

/**
 * Validates, converts and stores an uploaded sound: the original and the
 * G.711 copy go to R2 under `sounds/<owner>/<id>/`, then the row to D1. A
 * bad file throws before anything is written.
 *
 * @example const row = await createSound(env, db, userId, "greeting", bytes);
 */
export async function createSound(
	env: Env,
	db: Db,
	ownerId: string,
	name: string,
	bytes: Uint8Array,
): Promise<SoundRow> {
	let prepared: ReturnType<typeof prepareSound>;
	try {
		prepared = prepareSound(bytes);
	} catch (err) {
		if (err instanceof SoundError) {
			const status = err.code === "AUDIO_TOO_LARGE" ? 413 : 422;
			throw new ApiError(err.code, err.message, { status });
		}
		throw err;
	}
	const id = newId();
	const base = `sounds/${ownerId}/${id}`;
	const originalKey = `${base}/original.${prepared.format}`;
	const convertedKey = prepared.converted ? `${base}/pcmu.wav` : null;
	await env.FILES.put(originalKey, bytes, {
		httpMetadata: { contentType: prepared.format === "wav" ? "audio/wav" : "audio/mpeg" },
	});
	if (convertedKey && prepared.converted) {
		await env.FILES.put(convertedKey, prepared.converted, { httpMetadata: { contentType: "audio/wav" } });
	}
	const row: SoundRow = {
		id,
		ownerId,
		name,
		format: prepared.format,
		originalKey,
		convertedKey,
		durationMs: prepared.durationMs,
		sizeBytes: bytes.length,
		sampleRate: prepared.sampleRate,
		channels: prepared.channels,
		createdAt: new Date(),
	};
	try {
		await db.insert(sounds).values(row);
	} catch (err) {
		await env.FILES.delete([originalKey, ...(convertedKey ? [convertedKey] : [])]);
		throw err;
	}
	return row;
}

/** The caller's sound, or 404 (also when it belongs to someone else). */
export async function getOwnedSound(db: Db, ownerId: string, id: string): Promise<SoundRow> {
	const row = await db.query.sounds.findFirst({ where: and(eq(sounds.id, id), eq(sounds.ownerId, ownerId)) });
	if (!row) throw new ApiError("NOT_FOUND", "Sound not found");
	return row;
}

export async function listSounds(db: Db, ownerId: string, limit: number, before?: string) {
	return db.query.sounds.findMany({
		where: before ? and(eq(sounds.ownerId, ownerId), lt(sounds.id, before)) : eq(sounds.ownerId, ownerId),
		orderBy: desc(sounds.id),
		limit,
	});
}

export async function deleteSound(env: Env, db: Db, s: SoundRow): Promise<void> {
	await db.delete(sounds).where(eq(sounds.id, s.id));
	await env.FILES.delete([s.originalKey, ...(s.convertedKey ? [s.convertedKey] : [])]);
}

/** Where the dialer fetches a sound (with its JWT); the G.711 copy when there is one. */
export function soundUrl(env: Env, soundId: string): string {
	return `${env.PUBLIC_URL.replace(/\/$/, "")}/v1/dialer/sounds/${soundId}`;
}
