/**
 * Debian's Chromium driven by playwright-core (never `npx playwright
 * install`): headless, no background network, fake media devices.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { ROOT } from "../../test/e2e/stack.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = join(ROOT, "test-results/web");

export async function launch(): Promise<Browser> {
	if (!existsSync(CHROMIUM))
		throw new Error(`Chromium is required for this test (Debian package chromium) at ${CHROMIUM}`);
	mkdirSync(ARTIFACTS, { recursive: true });
	return chromium.launch({
		executablePath: CHROMIUM,
		args: [
			"--headless",
			"--no-sandbox",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
			"--use-fake-device-for-media-stream",
			"--use-fake-ui-for-media-stream",
		],
	});
}

/** A screenshot of a main screen, kept as a test artifact (test-results/web/). */
export async function shot(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Signs in through the login form with email and password. */
export async function signIn(page: Page, url: string, email: string, password: string): Promise<void> {
	await page.goto(url);
	await page.getByLabel("Email", { exact: true }).fill(email);
	await page.getByLabel("Password", { exact: true }).fill(password);
	await page.getByRole("button", { name: "Sign in" }).click();
	await page.getByTestId("me").waitFor();
}

/** Builds the web app into public/ (what `npm run build:web` does), so the Worker serves this checkout's code. */
export function buildWeb(): void {
	execFileSync("npx", ["vite", "build", "-c", "web/vite.config.ts"], { cwd: ROOT, stdio: "pipe" });
}
