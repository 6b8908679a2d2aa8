/**
 * The web app in Chromium against the real Worker (wrangler dev): two
 * people sign in, start a chat and see each other's messages, typing,
 * read receipts and an attachment live; /docs renders with the network
 * blocked and "Execute" on GET /v1/me answers 200; the emailed links'
 * pages /confirm and /reset-password finish their flows.
 */

import { randomUUID } from "node:crypto";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailUser, outbox } from "../../sdk/test/accounts.ts";
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

	it("a group: invitations accepted and declined, members listed and removed", async () => {
		const ann = await emailUser(worker.url);
		const bob = await emailUser(worker.url);
		const cy = await emailUser(worker.url);
		const [a, b, c] = await Promise.all([1, 2, 3].map(async () => (await context()).newPage()));
		if (!a || !b || !c) throw new Error("pages");
		await signIn(a, worker.url, ann.email, ann.password);
		await signIn(b, worker.url, bob.email, bob.password);
		await signIn(c, worker.url, cy.email, cy.password);

		// Ann makes a group with Bob invited, then invites Cy from the members panel.
		await a.getByLabel("User id or username").fill(bob.id);
		await a.getByLabel(/^Group name/).fill("Book club");
		await a.getByRole("button", { name: "Start chat" }).click();
		await a.getByRole("button", { name: "Members" }).click();
		const members = a.getByTestId("members");
		await members.getByText(/invited/).waitFor();
		await a.getByLabel("Invite (user id or username)").fill(cy.id);
		await a.getByRole("button", { name: "Invite", exact: true }).click();
		await expect.poll(() => members.getByText("invited").count(), { timeout: 10_000 }).toBe(2);

		// Bob accepts and writes; Cy declines.
		const invite = (p: typeof a) => p.getByTestId("chat-list").getByRole("button", { name: /Book club/ });
		await invite(b).waitFor({ timeout: 15_000 });
		await invite(b).click();
		await b.getByTestId("invitation").getByText("invited you").waitFor();
		await shot(b, "invitation");
		await b.getByRole("button", { name: "Accept" }).click();
		await b.getByLabel("Message", { exact: true }).fill("Count me in");
		await b.getByRole("button", { name: "Send" }).click();
		await invite(c).waitFor({ timeout: 15_000 });
		await invite(c).click();
		await c.getByRole("button", { name: "Decline" }).click();
		await expect.poll(() => invite(c).count(), { timeout: 10_000 }).toBe(0);

		// Ann's members panel: Bob is a member, Cy gone; Ann removes Bob.
		await a.getByRole("button", { name: "Members" }).click();
		await a.getByRole("button", { name: "Members" }).click();
		await expect
			.poll(
				async () =>
					(await members.locator("li").allTextContents()).map((t) => t.replace(/Remove.*$/, "").trim()),
				{
					timeout: 10_000,
				},
			)
			.toEqual(expect.arrayContaining([expect.stringMatching(/member$/)]));
		expect(await members.locator("li").count()).toBe(2);
		await shot(a, "members");
		await a.getByRole("button", { name: /^Remove / }).click();
		await expect.poll(() => members.locator("li").count(), { timeout: 10_000 }).toBe(1);
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

	it("sign up lands on /confirm and signs in; a forgotten password is set on /reset-password", async () => {
		const email = `web-${randomUUID().slice(0, 8)}@example.com`;
		const page = await (await context()).newPage();
		await page.goto(worker.url);
		await page.getByRole("tab", { name: "Sign up" }).click();
		await page.getByLabel("Your name").fill("Cleo");
		await page.getByLabel("Email", { exact: true }).fill(email);
		await page.getByLabel(/^Password/).fill(`first-${randomUUID()}`);
		await page.getByRole("button", { name: "Sign up" }).click();
		await page.getByText("Check your email").waitFor();
		const token = await outbox(worker.url, email, /\/confirm\?token=([A-Za-z0-9_-]+)/);
		await page.goto(`${worker.url}/confirm?token=${token}`);
		await page.getByText("Your email is confirmed").waitFor();
		await shot(page, "confirm");
		await page.getByRole("link", { name: "Open Hatch" }).click();
		await page.getByTestId("me").filter({ hasText: "Cleo" }).waitFor();

		// A used token says what to do instead of failing silently.
		await page.goto(`${worker.url}/confirm?token=${token}`);
		await page.getByRole("alert").filter({ hasText: "sign up again" }).waitFor();

		// Forgot password → the emailed link → a new password → sign in with it.
		await page.evaluate(() => localStorage.clear());
		await page.goto(worker.url);
		await page.getByLabel("Email", { exact: true }).fill(email);
		await page.getByRole("button", { name: "Forgot password?" }).click();
		await page.getByText("reset link is on its way").waitFor();
		const reset = await outbox(worker.url, email, /\/reset-password\?token=([A-Za-z0-9_-]+)/);
		await page.goto(`${worker.url}/reset-password?token=${reset}`);
		const next = `second-${randomUUID()}`;
		await page.getByLabel(/^New password/).fill(next);
		await page.getByLabel("The same again").fill(next);
		await page.getByRole("button", { name: "Set password" }).click();
		await page.getByText("Your password is changed").waitFor();
		await shot(page, "reset-password");
		await signIn(page, worker.url, email, next);
	});
});
