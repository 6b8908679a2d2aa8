/**
 * The seed adapters' authorisation matrix (compat-matrix.ts), one test per
 * cell: Egg files and chat socket, the dialer seed's resources and the
 * Phoenix seed's history, by the chat's owner, a member, an invitee, a
 * removed member, a stranger, an operator and an admin. Each outcome is
 * exact; a refusal leaves the chat as it was.
 */

import { COMPAT_MATRIX } from "./compat-matrix";
import { makeWorld, ROLES, snapshot } from "./fixture";
import { runTable } from "./table";

runTable(ROLES, COMPAT_MATRIX, makeWorld, snapshot);
