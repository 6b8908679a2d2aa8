/**
 * WebSocket close codes Hatch sends on both sockets (GET /v1/ws and
 * GET /v1/chats/{id}/ws). 4xxx codes are application codes (RFC 6455
 * §7.4.2), chosen to echo the HTTP status a request would get.
 */
export const CLOSE_CODES = {
	/** Too many undecodable frames (RFC 6455 policy violation). */
	TOO_MANY_BAD_FRAMES: 1008,
	/**
	 * The socket's auth session was revoked: logout, the device signed out,
	 * sign-out-everywhere, a password change or reset, a replayed refresh
	 * token, or a demotion. Sign in again; do not reconnect with old tickets.
	 */
	SESSION_REVOKED: 4401,
	/** No longer an active member of the chat (left, removed, chat deleted). */
	NOT_A_MEMBER: 4403,
	/**
	 * The server can no longer serve this socket (RFC 6455 1012, service
	 * restart): reconnect with a fresh ticket and resume by seq.
	 */
	REOPEN: 1012,
} as const;
