/**
 * End-to-end encrypted chats in Chromium: each browser makes its own device
 * key (WebCrypto, non-extractable, in IndexedDB) and publishes only the
 * public half; Ann and Bob talk in an e2e chat and read each other live;
 * the server hands out only ciphertext; after a reload Bob's browser still
 * reads the history with the key it kept.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailUser } from "../../sdk/test/accounts.ts";
import { startWorker, type WorkerStack } from "../../test/e2e/stack.ts";
import { seriousViolations } from "./axe.ts";
import { buildWeb, launch, shot, signIn } from "./browser.ts";

let worker: WorkerStack;
let browser: Browser;

beforeAll(async () => {
	buildWeb();
	worker = await startWorker({ dialerUrl: "http://127.0.0.1:9" });
	browser = await launch();
}, 180_000);

afterAll(async () => {
	await browser?.close();
	await worker?.stop();
});

async function person(): Promise<{ page: Page; id: string }> {
	const u = await emailUser(worker.url);
	const page = await (await browser.newContext({ viewport: { width: 1000, height: 720 } })).newPage();
	await signIn(page, worker.url, u.email, u.password);
	await page.getByRole("button", { name: "Encrypted", exact: true }).click();
	await page.getByTestId("device-fingerprint").filter({ hasText: "This device's key" }).waitFor();
	return { page, id: u.id };
}

/** What the API gives this browser's user for a chat's messages, read with the tab's own token. */
function rawMessages(page: Page, chatId: string) {
	return page.evaluate(async (id) => {
		const { access_token } = JSON.parse(localStorage.getItem("hatch.tokens") ?? "{}");
		const res = await fetch(`/v1/chats/${id}/messages`, {
			headers: { Authorization: `Bearer ${access_token}` },
		});
		return (await res.json()) as { items: { text: string; e2e?: { copies: { ciphertext: string }[] } }[] };
	}, chatId);
}

describe("e2e chats in the web app", () => {
	it("two browsers talk end to end; the server only ever holds ciphertext", async () => {
		const ann = await person();
		const bob = await person();

		await ann.page.getByLabel("User id or username for an encrypted chat").fill(bob.id);
		await ann.page.getByRole("button", { name: "Start encrypted chat" }).click();
		await ann.page.getByLabel("Encrypted message").fill("Meet at noon by the fountain");
		await ann.page.getByRole("button", { name: "Send encrypted" }).click();
		await ann.page.getByTestId("e2e-messages").getByText("Meet at noon by the fountain").waitFor();

		// Bob's list gets the chat live; he opens it and reads Ann's message, decrypted in his browser.
		const chat = bob.page.getByTestId("e2e-chat-list").getByRole("button").first();
		await chat.waitFor({ timeout: 15_000 });
		await chat.click();
		await bob.page.getByTestId("e2e-messages").getByText("Meet at noon by the fountain").waitFor();
		await bob.page.getByLabel("Encrypted message").fill("See you there");
		await bob.page.getByRole("button", { name: "Send encrypted" }).click();
		await ann.page.getByTestId("e2e-messages").getByText("See you there").waitFor({ timeout: 15_000 });
		expect(await seriousViolations(bob.page)).toEqual([]);
		await shot(bob.page, "e2e-chat");

		// What the server hands out: no text, only copies that do not contain it.
		const chatId = await ann.page.evaluate(async () => {
			const { access_token } = JSON.parse(localStorage.getItem("hatch.tokens") ?? "{}");
			const res = await fetch("/v1/chats", { headers: { Authorization: `Bearer ${access_token}` } });
			return ((await res.json()) as { items: { id: string; e2e: boolean }[] }).items.find((c) => c.e2e)?.id;
		});
		const raw = await rawMessages(bob.page, String(chatId));
		expect(raw.items).toHaveLength(2);
		for (const m of raw.items) {
			expect(m.text).toBe("");
			expect(m.e2e?.copies.length).toBeGreaterThan(0);
			for (const c of m.e2e?.copies ?? []) {
				expect(c.ciphertext).not.toContain("noon");
				expect(atob(c.ciphertext)).not.toContain("noon");
			}
		}

		// The private key stays in the browser: stored as a CryptoKey that refuses export.
		const exportable = await bob.page.evaluate(
			() =>
				new Promise<string>((resolve) => {
					const open = indexedDB.open("hatch-e2e", 1);
					open.onsuccess = () => {
						const all = open.result.transaction("device").objectStore("device").getAll();
						all.onsuccess = async () => {
							const key = (all.result[0] as { keys: CryptoKeyPair }).keys.privateKey;
							try {
								await crypto.subtle.exportKey("pkcs8", key);
								resolve("exported");
							} catch {
								resolve(`kept: extractable=${key.extractable}`);
							}
						};
					};
				}),
		);
		expect(exportable).toBe("kept: extractable=false");

		// A reload keeps the device: the history still decrypts.
		await bob.page.reload();
		await bob.page.getByRole("button", { name: "Encrypted", exact: true }).click();
		await bob.page.getByTestId("e2e-chat-list").getByRole("button").first().click();
		const texts = bob.page.getByTestId("e2e-messages").locator(".text");
		await texts.nth(1).waitFor();
		expect(await texts.allTextContents()).toEqual(["Meet at noon by the fountain", "See you there"]);
	});
});
