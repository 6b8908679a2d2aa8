import type { Db } from "../../domain/users/db";
import type { AuthContext } from "../../env";
import { HubLink } from "../hub-link";
import type { People } from "./people";
import { type EggS2C, eggError } from "./ws-frames";

/** The Egg side of a hub link: People to translate msisdns, and the client's transport. */
export class EggBridge extends HubLink {
	constructor(
		env: Env,
		db: Db,
		auth: AuthContext,
		readonly people: People,
		readonly toClient: (f: EggS2C) => void,
		toHub: (f: Record<string, unknown>) => void,
		close: () => void,
	) {
		super(env, db, auth, toHub, close, (code) => toClient(eggError(code)));
	}
}
