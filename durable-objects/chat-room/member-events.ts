/**
 * Who hears of a membership change (`chat.updated`). A rename changes every
 * member's inbox, so it goes to all active members. A change of one member
 * (joined, invited, left, a role) changes nothing in the others' inboxes: it
 * is for the member concerned, the group's owner and admins (who manage its
 * members), and whoever has the chat open (a viewing socket here, or a hub
 * socket subscribed to it). Telling every member's hub
 * of every accept made building a 1,000-member group O(N²): about 5 minutes
 * through the API (issue 14).
 *
 * @example memberChangeAudience("joined", bob, active, new Set([...viewing, ...watchers]), isAdmin)
 */
export function memberChangeAudience(
	change: string,
	userId: string | undefined,
	active: readonly string[],
	watching: ReadonlySet<string>,
	manages: (userId: string) => boolean,
): string[] {
	if (userId === undefined || !ONE_MEMBER.test(change)) return [...active];
	return active.filter((u) => u === userId || watching.has(u) || manages(u));
}

/** Changes that concern one member only (`role:admin`, `role:member` included). */
const ONE_MEMBER = /^(joined|invited|rejected|left|removed|muted|unmuted|role:\w+)$/;
