/**
 * The drizzle schema: the source of truth for D1. `npm run db:generate`
 * turns changes here into a migration under migrations/. Each table lives in
 * its own file under tables/ and is re-exported here.
 */

export * from "./tables/calls";
export * from "./tables/chats";
export * from "./tables/dev-outbox";
export * from "./tables/e2e";
export * from "./tables/email-tokens";
export * from "./tables/files";
export * from "./tables/rooms";
export * from "./tables/sessions";
export * from "./tables/sms-codes";
export * from "./tables/users";
export * from "./tables/voice";
