import { app } from "./app";

export { Campaign } from "../durable-objects/campaign";
export { ChatRoom } from "../durable-objects/chat-room";
export { DialerContainer } from "../durable-objects/dialer-container";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { SupportDesk } from "../durable-objects/support-desk";
export { TicketLedger } from "../durable-objects/ticket-ledger";
export { UserHub } from "../durable-objects/user-hub";
export { ViewRegistry } from "../durable-objects/view-registry";

export default app satisfies ExportedHandler<Env>;
