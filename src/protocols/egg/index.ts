import { createRouter } from "../../lib/router";
import { eggRestRoutes } from "./rest";
import { eggWsRoutes } from "./ws";

/** The Egg seed (seeds/000), verbatim under /compat/egg: REST modules and the WebSocket protocols. */
export const eggRoutes = createRouter().route("/", eggRestRoutes).route("/", eggWsRoutes);
