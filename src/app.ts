import { ApiError } from "./errors";
import { createRouter } from "./lib/router";
import { requestBodyLimit } from "./middleware/body-limit";
import { onError } from "./middleware/on-error";
import { requestContext } from "./middleware/request-context";
import { chatableRoutes } from "./protocols/chatable";
import { dialerSeedRoutes } from "./protocols/dialer";
import { eggRoutes } from "./protocols/egg";
import { phoenixRestRoutes } from "./protocols/phoenix/rest";
import { phoenixSocketRoutes } from "./protocols/phoenix/socket-route";
import { supportSeedRoutes } from "./protocols/support/routes";
import { adminRoutes } from "./routes/admin";
import { authRoutes } from "./routes/auth";
import { authEmailRoutes } from "./routes/auth-email";
import { authPhoneRoutes } from "./routes/auth-phone";
import { callRoutes } from "./routes/calls";
import { campaignRoutes } from "./routes/campaigns";
import { chatRoutes } from "./routes/chats";
import { contactListRoutes } from "./routes/contact-lists";
import { devRoutes } from "./routes/dev";
import { deviceRoutes } from "./routes/devices";
import { dialerCallbackRoutes } from "./routes/dialer-callbacks";
import { doNotCallRoutes } from "./routes/do-not-call";
import { docsRoutes } from "./routes/docs";
import { e2eRoutes } from "./routes/e2e";
import { fileUploadRoutes } from "./routes/file-uploads";
import { fileRoutes } from "./routes/files";
import { healthRoutes } from "./routes/health";
import { meRoutes } from "./routes/me";
import { meSessionRoutes } from "./routes/me-sessions";
import { messageRoutes } from "./routes/messages";
import { oauthRoutes } from "./routes/oauth";
import { roomRoutes } from "./routes/rooms";
import { sipTrunkRoutes } from "./routes/sip-trunks";
import { soundRoutes } from "./routes/sounds";
import { staticRoutes } from "./routes/static";
import { supportRoutes } from "./routes/support";
import { supportExtraRoutes } from "./routes/support-extras";
import { turnRoutes } from "./routes/turn";
import { userRoutes } from "./routes/users";
import { wsRoutes } from "./routes/ws";

/**
 * Builds the Hono app: one sub-app per resource mounted with `.route()`,
 * one error renderer, the OpenAPI 3.1 document and interactive docs.
 */
export function buildApp() {
	const app = createRouter();
	app.use("*", requestContext);
	app.use("*", requestBodyLimit);

	app.route("/", healthRoutes);
	app.route("/", fileUploadRoutes);
	app.route("/", fileRoutes);
	app.route("/", staticRoutes);
	app.route("/", wsRoutes);
	app.route("/", chatRoutes);
	app.route("/", messageRoutes);
	app.route("/", roomRoutes);
	app.route("/", e2eRoutes);
	app.route("/", phoenixRestRoutes);
	app.route("/", phoenixSocketRoutes);
	app.route("/", deviceRoutes);
	app.route("/", authRoutes);
	app.route("/", authPhoneRoutes);
	app.route("/", authEmailRoutes);
	app.route("/", oauthRoutes);
	app.route("/", meRoutes);
	app.route("/", meSessionRoutes);
	app.route("/", userRoutes);
	app.route("/", adminRoutes);
	app.route("/", devRoutes);
	app.route("/", turnRoutes);
	app.route("/", callRoutes);
	app.route("/", sipTrunkRoutes);
	app.route("/", soundRoutes);
	app.route("/", contactListRoutes);
	app.route("/", doNotCallRoutes);
	app.route("/", campaignRoutes);
	app.route("/", dialerCallbackRoutes);
	app.route("/compat/egg", eggRoutes);
	app.route("/compat/chatable", chatableRoutes);
	app.route("/compat/dialer", dialerSeedRoutes);
	app.route("/", supportRoutes);
	app.route("/", supportExtraRoutes);
	app.route("/", supportSeedRoutes);

	app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
		type: "http",
		scheme: "bearer",
		bearerFormat: "JWT",
		description: "Access token from POST /v1/auth/login, /v1/auth/refresh or /oauth/token",
	});
	app.doc31("/openapi.json", (c) => ({
		openapi: "3.1.0",
		info: {
			title: "Hatch API",
			version: "1.0.0",
			description:
				"Messaging, calls and voice campaigns on Cloudflare Workers. Errors are `{error: {code, message, requestId}}`.",
		},
		servers: [{ url: new URL(c.req.url).origin }],
	}));
	app.route("/", docsRoutes);

	app.notFound((c) => {
		throw new ApiError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`);
	});
	app.onError(onError);
	return app;
}

export const app = buildApp();
