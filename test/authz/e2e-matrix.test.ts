/**
 * The e2e chats' authorisation matrix (e2e-matrix.ts), one test per cell: the
 * key directory, message groups over REST and the hub socket, and the Phoenix
 * seed's adapter, by the owner, a member, an invitee, a removed member and a
 * stranger. Each outcome is exact; a refusal leaves the chat as it was.
 */
import { E2E_ROLES, e2eSnapshot, makeE2eWorld } from "./e2e-fixture";
import { E2E_MATRIX } from "./e2e-matrix";
import { runTable } from "./table";

runTable(E2E_ROLES, E2E_MATRIX, makeE2eWorld, e2eSnapshot);
