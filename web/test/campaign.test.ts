/**
 * Voice campaigns in Chromium, all real: the Worker under wrangler dev, the
 * local dialer and sipp as the carrier, which answers by the number's last
 * digit (1 answers, 2 busy, 3 never answers, 4 fails). Through the web app
 * only: a trunk and its test call, a sound with a player, a list whose bad
 * row is shown with its line and reason, a campaign with a calling window,
 * started and followed live until the bar reads 100 % and the table holds
 * every outcome; then the records filtered and exported as CSV. A second
 * campaign outside its window waits, and is paused, resumed and cancelled.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailUser } from "../../sdk/test/accounts.ts";
import {
	freePort,
	type SippGateway,
	startSippGateway,
	startWorker,
	toneWav,
	type WorkerStack,
} from "../../test/e2e/stack.ts";
import { seriousViolations } from "./axe.ts";
import { ARTIFACTS, buildWeb, launch, shot, signIn } from "./browser.ts";
import { type LocalDialer, startDialer } from "./dialer.ts";

let worker: WorkerStack;
let dialer: LocalDialer;
let sipp: SippGateway;
let browser: Browser;

beforeAll(async () => {
	buildWeb();
	sipp = await startSippGateway(170);
	const dialerPort = await freePort();
	worker = await startWorker({ dialerUrl: `http://127.0.0.1:${dialerPort}` });
	dialer = await startDialer(dialerPort, worker.secrets.DIALER_SECRET);
	browser = await launch();
}, 180_000);

afterAll(async () => {
	await browser?.close();
	dialer?.stop();
	sipp?.stop();
	await worker?.stop();
});

describe("voice campaigns in the web app", () => {
	it("a campaign against sipp reaches 100 % with every outcome in the calls table", async () => {
		const user = await emailUser(worker.url);
		const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
		const page = await ctx.newPage();
		await signIn(page, worker.url, user.email, user.password);
		await page.getByRole("button", { name: "Voice campaigns" }).click();
		await page.getByRole("heading", { name: "SIP trunks" }).waitFor();

		// A sound, uploaded and played back through the player.
		await page
			.getByLabel("Sound file (WAV or MP3)")
			.setInputFiles({ name: "hello.wav", mimeType: "audio/wav", buffer: Buffer.from(toneWav(1)) });
		await page.getByRole("button", { name: "Upload sound" }).click();
		await page.getByTestId("sounds").getByText("hello", { exact: true }).waitFor();
		await page.getByRole("button", { name: "Load player for hello" }).click();
		const duration = await page
			.getByLabel("Play hello")
			.evaluate(
				(a: HTMLAudioElement) =>
					new Promise<number>((r) =>
						a.readyState >= 1 ? r(a.duration) : a.addEventListener("loadedmetadata", () => r(a.duration)),
					),
			);
		expect(duration).toBeCloseTo(1, 1);

		// The trunk (sipp), and a test call through it to the number that answers.
		await page.getByLabel("Trunk name").fill("sipp");
		await page.getByLabel("Gateway host").fill("127.0.0.1");
		await page.getByLabel("Gateway port").fill(String(sipp.port));
		await page.getByLabel("SIP username").fill("acme");
		await page.getByLabel("SIP password").fill("pw-1234");
		await page.getByLabel("Caller id").fill("+14155550000");
		await page.getByRole("button", { name: "Add trunk" }).click();
		await page.getByTestId("trunks").getByText("sipp", { exact: true }).waitFor();
		await page.getByLabel("Number to test").fill("+14155550101");
		await page.getByRole("button", { name: "Test call" }).click();
		await page
			.getByTestId("test-result")
			.filter({ hasText: /: completed · SIP 200/ })
			.waitFor({ timeout: 30_000 });

		// The list: four good numbers and one that is not a number, reported with its line.
		const csv =
			"number,name\n+14155550101,Ann\n+14155550102,Bob\n+14155550103,Cy\n+14155550104,Di\n12,Nope\n";
		await page
			.getByLabel("CSV of numbers")
			.setInputFiles({ name: "spring.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
		await page.getByLabel("Default region (e.g. US)").fill("US");
		await page.getByRole("button", { name: "Upload list" }).click();
		const rejected = page.getByTestId("rejected");
		await rejected.getByText("1 row was left out").waitFor();
		expect(await rejected.locator("tbody tr td").allTextContents()).toEqual([
			"6",
			"12",
			"not a valid phone number",
		]);
		await page.getByTestId("lists").getByText("4 numbers").waitFor();

		// The campaign, calling every day all day in UTC, then started.
		await page.getByLabel("Campaign name").fill("spring");
		await page.getByLabel("Concurrent calls").fill("4");
		await page.getByLabel("Calls per second").fill("5");
		await page.getByLabel("Ring timeout (seconds)").fill("5");
		await page.getByLabel("Attempts when busy").fill("2");
		await page.getByLabel("Seconds before retrying busy").fill("1");
		await page.getByLabel("Only call inside this window").check();
		await page.getByLabel("Time zone", { exact: true }).fill("UTC");
		for (const d of ["Sat", "Sun"]) await page.getByLabel(d, { exact: true }).check();
		await page.getByLabel("From", { exact: true }).fill("00:00");
		await page.getByLabel("Until", { exact: true }).fill("23:59");
		await page.getByRole("button", { name: "Create campaign" }).click();
		const campaign = page.getByTestId("campaign");
		await campaign.getByTestId("campaign-status").filter({ hasText: "draft" }).waitFor();
		expect(await seriousViolations(page)).toEqual([]);
		await shot(page, "campaign-draft");
		await campaign.getByRole("button", { name: "Start" }).click();

		// Live: the bar moves to 100 % and the table fills with the outcomes.
		await campaign.getByText("Progress: 4 of 4 numbers done (100%)").waitFor({ timeout: 90_000 });
		expect(await campaign.getByTestId("campaign-progress").getAttribute("value")).toBe("100");
		await campaign
			.getByTestId("campaign-status")
			.filter({ hasText: "completed" })
			.waitFor({ timeout: 15_000 });
		const table = campaign.getByTestId("campaign-calls");
		const rows = async () =>
			(await table
				.locator("tbody tr")
				.evaluateAll((trs) =>
					trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
				)) as string[][];
		// The table is re-read at most once a second after a progress event, so it may trail the bar briefly.
		// Number, attempt, outcome: the busy number was tried twice (the retry set in the form).
		const outcomes = async () => (await rows()).map((r) => `${r[0]} #${r[1]} ${r[3]}`).sort();
		await expect
			.poll(outcomes, { timeout: 10_000 })
			.toEqual([
				"+14155550101 #1 completed",
				"+14155550102 #1 busy",
				"+14155550102 #2 busy",
				"+14155550103 #1 no_answer",
				"+14155550104 #1 failed",
			]);
		await shot(page, "campaign-done");
		await campaign.screenshot({ path: join(ARTIFACTS, "campaign-progress.png") });

		// The records filtered by outcome, and the same filter exported as CSV.
		await campaign.getByLabel("Outcome").selectOption("busy");
		await campaign.getByRole("button", { name: "Filter" }).click();
		await expect
			.poll(async () => (await rows()).map((r) => r[0]), { timeout: 10_000 })
			.toEqual(["+14155550102", "+14155550102"]);
		const [download] = await Promise.all([
			page.waitForEvent("download"),
			campaign.getByRole("button", { name: "Export CSV" }).click(),
		]);
		const text = readFileSync((await download.path()) as string, "utf8");
		const lines = text.trim().split(/\r?\n/);
		expect(lines.length).toBe(3);
		for (const line of lines.slice(1)) {
			expect(line).toContain("+14155550102");
			expect(line).toContain("busy");
		}

		// A second campaign whose window is closed now: it waits; pause, resume and cancel it.
		const h = new Date().getUTCHours();
		const [from, until] = h < 12 ? ["20:00", "21:00"] : ["03:00", "04:00"];
		await page.getByLabel("Campaign name").fill("later");
		await page.getByLabel("Only call inside this window").check();
		await page.getByLabel("Time zone", { exact: true }).fill("UTC");
		await page.getByLabel("From", { exact: true }).fill(from);
		await page.getByLabel("Until", { exact: true }).fill(until);
		// Answering machines get another sound after the beep; progress goes to a webhook whose secret is shown once.
		await page.getByLabel("When a machine answers").selectOption("play_other");
		await page.getByLabel("Sound for machines (with another sound)").selectOption({ label: "hello" });
		await page.getByLabel("Webhook URL (https, optional)").fill("https://hooks.example.com/hatch");
		await page.getByRole("button", { name: "Create campaign" }).click();
		const secret = await page.getByTestId("webhook-secret").textContent();
		expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{20,}$/);
		await page.getByRole("button", { name: "I have saved it" }).click();
		await page.getByRole("heading", { name: "Campaign later" }).waitFor();
		const later = page.getByTestId("campaign");
		const status = later.getByTestId("campaign-status");
		await status.filter({ hasText: "draft" }).waitFor();
		const stored = await user.hatch.api.json<{
			items: { name: string; amd: unknown; webhook_url: string }[];
		}>("GET", "/v1/campaigns");
		const saved = stored.items.find((c) => c.name === "later");
		expect(saved?.webhook_url).toBe("https://hooks.example.com/hatch");
		expect(saved?.amd).toMatchObject({ on_machine: "play_other", machine_sound_id: expect.any(String) });
		await later.getByRole("button", { name: "Start" }).click();
		await status.filter({ hasText: "waiting_for_window" }).waitFor({ timeout: 15_000 });
		await later.getByText(/the calling window opens/).waitFor();
		await later.getByRole("button", { name: "Pause" }).click();
		await status.filter({ hasText: "paused" }).waitFor({ timeout: 15_000 });
		await later.getByRole("button", { name: "Resume" }).click();
		await status.filter({ hasText: "waiting_for_window" }).waitFor({ timeout: 15_000 });
		await later.getByRole("button", { name: "Cancel" }).click();
		await status.filter({ hasText: "canceled" }).waitFor({ timeout: 15_000 });
		expect(
			await later
				.getByRole("button")
				.filter({ hasText: /^(Start|Pause|Resume|Cancel)$/ })
				.count(),
		).toBe(0);
		// Nobody was called (the window never opened); all four numbers end cancelled.
		await expect.poll(() => later.getByTestId("campaign-counts").textContent()).toBe("canceled: 4");
		expect(await later.getByTestId("campaign-calls").locator("tbody tr").count()).toBe(0);
		await ctx.close();
	});
});
