/**
 * The web app in Chromium against the real Worker (wrangler dev): two
 * people sign in, start a chat and see each other's messages, typing,
 * read receipts and an attachment live; /docs renders with the network
 * blocked and "Execute" on GET /v1/me answers 200.
 */
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailUser } from "../../sdk/test/accounts.ts";
import { startWorker, type WorkerStack } from "../../test/e2e/stack.ts";
import { buildWeb, launch, shot, signIn } from "./browser.ts";

const PNG = Buffer.from(
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
	"base64",
);

let worker: WorkerStack;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
	buildWeb();
	worker = await startWorker({
		dialerUrl: "http://127.0.0.1:9",
		port: Number(process.env.WEB_TEST_PORT ?? 8882),
		inspectorPort: Number(process.env.WEB_TEST_INSPECTOR_PORT ?? 8883),
	});
	browser = await launch();
}, 180_000);

afterAll(async () => {
	for (const c of contexts) await c.close().catch(() => {});
	await browser?.close();
	await worker?.stop();
});

async function context(): Promise<BrowserContext> {
	const c = await browser.newContext({ viewport: { width: 1100, height: 760 } });
	contexts.push(c);
	return c;
}

describe("web app", () => {
	it("two people chat live: messages, typing, read receipts, an attachment", async () => {
		const ann = await emailUser(worker.url);
		const bob = await emailUser(worker.url);
		const a = await (await context()).newPage();
		const b = await (await context()).newPage();
		await a.goto(worker.url);
		await shot(a, "login");
		await signIn(a, worker.url, ann.email, ann.password);
		await signIn(b, worker.url, bob.email, bob.password);

		// Ann starts a direct chat with Bob by his id and writes.
		await a.getByLabel("User id or username").fill(bob.id);
		await a.getByRole("button", { name: "Start chat" }).click();
		await a.getByLabel("Message", { exact: true }).fill("Hello Bob, from the browser");
		await a.getByRole("button", { name: "Send" }).click();
		await a.getByTestId("messages").getByText("Hello Bob, from the browser").waitFor();

		// Bob sees the chat appear with an unread badge, opens it, and sees the message.
		const chatButton = b.getByTestId("chat-list").getByRole("button").first();
		await chatButton
			.locator(".badge")
			.filter({ hasText: /^1 unread$/ })
			.waitFor({ timeout: 15_000 });
		await shot(b, "chat-list");
		await chatButton.click();
		await b.getByTestId("messages").getByText("Hello Bob, from the browser").waitFor();

		// Bob has read it: Ann's message says so.
		await a.getByTestId("status").filter({ hasText: "read" }).waitFor({ timeout: 15_000 });

		// Bob types: Ann sees it; Bob's reply arrives live.
		await b.getByLabel("Message", { exact: true }).fill("Hi Ann");
		await a.getByText(/is typing/).waitFor({ timeout: 10_000 });
		await b.getByRole("button", { name: "Send" }).click();
		await a.getByTestId("messages").getByText("Hi Ann").waitFor();

		// Ann sends a picture: Bob gets it with a preview and a download button.
		await a.getByLabel("Attach").setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: PNG });
		await a.getByRole("button", { name: "Send" }).click();
		await b.getByRole("button", { name: /Download dot\.png/ }).waitFor({ timeout: 15_000 });
		await b.getByRole("img", { name: "dot.png" }).waitFor();
		await shot(a, "chat-ann");
		await shot(b, "chat-bob");

		const texts = await b.getByTestId("messages").locator(".text").allTextContents();
		expect(texts).toEqual(["Hello Bob, from the browser", "Hi Ann", "dot.png"]);
	});

	it("/docs renders with the network blocked, and Execute on GET /v1/me answers 200", async () => {
		const user = await emailUser(worker.url);
		const ctx = await context();
		const outside: string[] = [];
		await ctx.route("**/*", (route) => {
			if (route.request().url().startsWith(worker.url)) return route.continue();
			outside.push(route.request().url());
			return route.abort();
		});
		const page = await ctx.newPage();
		// Signed in to the web app in this browser, so the docs' Authorize box is filled from it.
		await signIn(page, worker.url, user.email, user.password);
		await page.goto(`${worker.url}/docs`);
		await page.getByText("Hatch API").first().waitFor({ timeout: 30_000 });
		// Operations start collapsed under their tags (docExpansion: "none"): open "me" first.
		await page.locator('.opblock-tag[data-tag="me"]').click();
		const op = page
			.locator(".opblock-get")
			.filter({ has: page.locator('[data-path="/v1/me"]') })
			.first();
		await op.locator(".opblock-summary").first().click();
		await op.getByRole("button", { name: "Execute" }).click();
		await op
			.locator(".live-responses-table .response .response-col_status")
			.first()
			.waitFor({ timeout: 15_000 });
		expect(
			(
				await op.locator(".live-responses-table .response .response-col_status").first().textContent()
			)?.trim(),
		).toBe("200");
		await shot(page, "docs");
		expect(outside).toEqual([]);
	});
});
