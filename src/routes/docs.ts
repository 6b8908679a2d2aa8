import swaggerUiDist from "swagger-ui-dist/package.json";
import { createRouter } from "../lib/router";

/**
 * Where the web build (web/vite.config.ts) puts Swagger UI's files, copied
 * from the pinned swagger-ui-dist: a versioned path, so /docs needs no CDN
 * and a new version never meets an old cached file.
 */
export const SWAGGER_UI_PATH = `/vendor/swagger-ui-${swaggerUiDist.version}`;

/**
 * The interactive API docs. The bearer box comes first: "Authorize" is
 * filled from the web app's session in this browser when there is one
 * (same origin, `hatch.tokens` in localStorage), and kept across reloads.
 * Operations start collapsed (`docExpansion: "none"`): with hundreds of
 * them expanded the page takes seconds to render.
 */
const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hatch API</title>
<link rel="stylesheet" href="${SWAGGER_UI_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${SWAGGER_UI_PATH}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
	url: "/openapi.json",
	dom_id: "#swagger-ui",
	docExpansion: "none",
	persistAuthorization: true,
	tryItOutEnabled: true,
	onComplete: function () {
		try {
			var t = JSON.parse(localStorage.getItem("hatch.tokens") || "null");
			if (t && t.access_token) window.ui.preauthorizeApiKey("bearerAuth", t.access_token);
		} catch (e) {}
	},
});
</script>
</body>
</html>`;

export const docsRoutes = createRouter();
docsRoutes.get("/docs", (c) => c.html(page));
