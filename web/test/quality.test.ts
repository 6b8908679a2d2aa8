/**
 * The main screens in Chromium on a phone-sized screen: signed in with the
 * keyboard only; no serious or critical axe-core violations and nothing
 * wider than the screen on the login, chats, encrypted chats, call
 * history, voice campaigns and both support views. Along the way: a declined call lands in both
 * people's call history, and a customer and an operator talk live through
 * the support desk. Screenshots of each screen go to test-results/web/.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailUser } from "../../sdk/test/accounts.ts";
import { ROOT, startWorker, type WorkerStack } from "../../test/e2e/stack.ts";
import { seriousViolations } from "./axe.ts";
import { buildWeb, launch, shot, signIn } from "./browser.ts";

let worker: WorkerStack;
let browser: Browser;
const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
	buildWeb();
	worker = await startWorker({
		dialerUrl: "http://127.0.0.1:9",
		// Calls ask for ICE servers; a declined call never uses them.
		vars: {
			TURN_PROVIDER: "coturn",
			TURN_URLS: "turn:127.0.0.1:9?transport=udp",
			TURN_SECRET: "quality-test-turn-secret",
		},
	});
	browser = await launch();
}, 180_000);

afterAll(async () => {
	await browser?.close();
	await worker?.stop();
});

async function phonePage(): Promise<Page> {
	return (await browser.newContext({ viewport: PHONE, hasTouch: true })).newPage();
}

/** The screen passes axe (serious/critical), fits the phone's width, and is saved as an artifact. */
async function checkScreen(page: Page, name: string): Promise<void> {
	expect(await seriousViolations(page), name).toEqual([]);
	// The elements that stick out past the right edge, innermost last (empty when it fits).
	const wide = await page.evaluate(() =>
		[...document.querySelectorAll("body *")]
			.filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
			.map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
	);
	expect(wide, `${name}: wider than the screen`).toEqual([]);
	await shot(page, `phone-${name}`);
}

describe("main screens: keyboard, phone size, axe-core", () => {
	it("login by keyboard, chats and the call history", async () => {
		const ann = await emailUser(worker.url);
		const bob = await emailUser(worker.url);
		const a = await phonePage();
		await a.goto(worker.url);
		await a.getByLabel("Email", { exact: true }).waitFor();
		await checkScreen(a, "login");

		// Keyboard only: Tab reaches the labelled fields in order, Enter submits.
		await a.getByLabel("Email", { exact: true }).focus();
		await a.keyboard.type(ann.email);
		await a.keyboard.press("Tab");
		expect(await a.evaluate(() => (document.activeElement as HTMLInputElement).type)).toBe("password");
		await a.keyboard.type(ann.password);
		await a.keyboard.press("Enter");
		await a.getByTestId("me").waitFor();

		const b = await phonePage();
		await signIn(b, worker.url, bob.email, bob.password);
		await a.getByLabel("User id or username").fill(bob.id);
		await a.getByRole("button", { name: "Start chat" }).click();
		await a.getByLabel("Message", { exact: true }).fill("Hello on a small screen");
		await a.getByRole("button", { name: "Send" }).click();
		await a.getByTestId("messages").getByText("Hello on a small screen").waitFor();
		await checkScreen(a, "chat");

		// Ann calls, Bob declines: both histories show it.
		await a.getByRole("button", { name: "Call", exact: true }).click();
		await b
			.getByText(/Incoming call from/)
			.waitFor({ timeout: 20_000 })
			.catch(async (e) => {
				const said = await a.getByRole("region", { name: "Calls" }).textContent();
				throw new Error(`${(e as Error).message}\nAnn's call bar: ${said}`);
			});
		await b.getByRole("button", { name: "Reject" }).click();
		await a.getByText(/Declined/).waitFor({ timeout: 15_000 });
		await a.getByRole("button", { name: "Calls", exact: true }).click();
		const history = a.getByTestId("call-history");
		await history.getByText(/^To /).waitFor();
		expect(await history.locator("li").count()).toBe(1);
		await checkScreen(a, "calls");
		await b.getByRole("button", { name: "Calls", exact: true }).click();
		await b
			.getByTestId("call-history")
			.getByText(/^From /)
			.waitFor();

		await a.getByRole("button", { name: "Encrypted", exact: true }).click();
		await a.getByTestId("device-fingerprint").filter({ hasText: "This device's key" }).waitFor();
		await checkScreen(a, "encrypted");

		await a.getByRole("button", { name: "Voice campaigns" }).click();
		await a.getByRole("heading", { name: "New campaign" }).waitFor();
		await checkScreen(a, "voice");
	});

	it("support: a customer writes, an operator takes and answers, both live", async () => {
		const email = `op-${randomUUID().slice(0, 8)}@example.com`;
		const password = `op-${randomUUID()}`;
		execFileSync(
			"node",
			[
				"scripts/admin-create.mjs",
				"--email",
				email,
				"--password",
				password,
				"--name",
				"Olga",
				"--role",
				"operator",
				"--persist-to",
				worker.persist,
			],
			{ cwd: ROOT, stdio: "pipe", env: { ...process.env, CI: "1" } },
		);
		const customer = await emailUser(worker.url);
		const c = await phonePage();
		const o = await phonePage();
		await signIn(c, worker.url, customer.email, customer.password);
		await signIn(o, worker.url, email, password);
		await o.getByRole("button", { name: "Support" }).click();
		await o.getByText("Nobody is waiting.").waitFor();

		await c.getByRole("button", { name: "Support" }).click();
		await c.getByLabel("Message to support").fill("My order never came");
		await c.getByRole("button", { name: "Send to support" }).click();
		await c.getByTestId("support-messages").getByText("My order never came").waitFor();

		// The operator's queue shows it live (desk socket), without reloading.
		const queued = o
			.getByTestId("support-queue")
			.getByRole("button")
			.filter({ hasText: "My order never came" });
		await queued.waitFor({ timeout: 15_000 });
		await checkScreen(o, "support-queue");
		await queued.click();
		await o.getByRole("button", { name: "Take" }).click();
		await o.getByLabel("Reply to the customer").fill("Sorry! A new one ships today.");
		await o.getByRole("button", { name: "Send reply" }).click();

		// The customer sees the answer live, marked as from support.
		const reply = c
			.getByTestId("support-messages")
			.locator("li")
			.filter({ hasText: "A new one ships today" });
		await reply.waitFor({ timeout: 15_000 });
		expect(await reply.locator(".meta").textContent()).toMatch(/^Support/);
		await checkScreen(c, "support-customer");
		await checkScreen(o, "support-operator");
	});
});
