import { createRouter } from "../../lib/router";
import { chatableOnError } from "./envelope";
import { chatableRestRoutes } from "./rest";
import { chatableWsRoutes } from "./ws";

/** The chatable seed (seeds/004), verbatim under /compat/chatable. */
export const chatableRoutes = createRouter().route("/", chatableRestRoutes).route("/", chatableWsRoutes);
chatableRoutes.onError(chatableOnError);
