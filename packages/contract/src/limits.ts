/**
 * Documented limits of the messaging protocol, shared by REST and the socket.
 * Changing one is a protocol change: update README and the OpenAPI text too.
 */
export const LIMITS = {
	/** Characters of message text (Slack uses 40k, Signal 2k; 4,000 covers long messages without abuse). */
	TEXT_MAX: 4000,
	/** Characters of one e2e copy (base64 of the encrypted TEXT_MAX text, its IV, tag and header, with room to spare). */
	E2E_CIPHERTEXT_MAX: 24_000,
	/** Copies in one e2e message group: member devices of a chat, minus the sender's. */
	E2E_COPIES_MAX: 500,
	/** Attachments (file ids) per message. */
	ATTACHMENTS_MAX: 10,
	/** Characters of a group chat name. */
	CHAT_NAME_MAX: 100,
	/** Members a group may be created with (more can be invited later). */
	CREATE_MEMBERS_MAX: 100,
	/** Biggest inbound socket frame, bytes. */
	FRAME_MAX_BYTES: 64 * 1024,
	/** History page size default and maximum. */
	PAGE_SIZE_DEFAULT: 50,
	PAGE_SIZE_MAX: 200,
	/** Messages replayed per `chat.subscribe`; the client asks again from the new last seq while `more` is true. */
	REPLAY_MAX: 500,
	/** Socket frames a client may send per second on average, with this burst. */
	FRAMES_PER_S: 30,
	FRAMES_BURST: 60,
	/** Bad frames within BAD_FRAMES_WINDOW_MS before the socket is closed with 1008. */
	BAD_FRAMES_MAX: 5,
	BAD_FRAMES_WINDOW_MS: 60_000,
	/** One typing event per user per chat per this many ms. */
	TYPING_THROTTLE_MS: 3000,
	/** Lifetime of a WebSocket ticket. */
	TICKET_TTL_MS: 60_000,
} as const;
