/**
 * The support desk's authorisation matrix (support-matrix.ts), one test per
 * cell: REST, the desk socket, the seed socket and the support chat, by the
 * customer, another customer, a stranger, the assignee, another operator and
 * an admin. Each outcome is exact; a refusal leaves the conversation as it was.
 */
import { makeSupportWorld, SUPPORT_ROLES, supportSnapshot } from "./support-fixture";
import { SUPPORT_MATRIX } from "./support-matrix";
import { runTable } from "./table";

runTable(SUPPORT_ROLES, SUPPORT_MATRIX, makeSupportWorld, supportSnapshot);
