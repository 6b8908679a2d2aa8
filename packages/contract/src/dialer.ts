/**
 * The Worker ↔ dialer contract in one import (`@hatch/contract/dialer`): the
 * control API's requests and answers, its error codes, and the call events.
 * @example import { CallRequest, DialerEvent } from "@hatch/contract/dialer";
 */
export * from "./dialer-calls.ts";
export * from "./dialer-errors.ts";
export * from "./dialer-events.ts";
export * from "./dialer-reason.ts";
