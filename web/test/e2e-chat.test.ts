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

type Person = { page: Page; id: string; email: string; password: string };

async function person(): Promise<Person> {
	const u = await emailUser(worker.url);
	return { page: await device(u.email, u.password), id: u.id, email: u.email, password: u.password };
}

/** A fresh browser (its own IndexedDB, so its own device key) signed in and on the encrypted chats. */
async function device(email: string, password: string): Promise<Page> {
	const page = await (await browser.newContext({ viewport: { width: 1000, height: 720 } })).newPage();
	await signIn(page, worker.url, email, password);
	await page.getByRole("button", { name: "Encrypted", exact: true }).click();
	await page.getByTestId("device-fingerprint").filter({ hasText: "This device's key" }).waitFor();
	return page;
}

/** Opens the named chat from the encrypted list, accepting its invitation when there is one. */
async function openChat(page: Page, name: string): Promise<void> {
	const entry = page.getByTestId("e2e-chat-list").getByRole("button", { name: new RegExp(name) });
	await entry.waitFor({ timeout: 15_000 });
	await entry.click();
	const invitation = page.getByTestId("invitation");
	if (await invitation.isVisible()) await invitation.getByRole("button", { name: "Accept" }).click();
	await page.getByLabel("Encrypted message").waitFor();
}

async function send(page: Page, text: string): Promise<void> {
	await page.getByLabel("Encrypted message").fill(text);
	await page.getByRole("button", { name: "Send encrypted" }).click();
	await page.getByTestId("e2e-messages").getByText(text).waitFor({ timeout: 15_000 });
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

	it("an encrypted group: invitations accepted in the view; a new device warns the others and reads what follows", async () => {
		const [ann, bob, cat] = [await person(), await person(), await person()];
		await ann.page.getByLabel("Encrypted group name").fill("Trio");
		await ann.page
			.getByLabel("Members (user ids or usernames, comma-separated)")
			.fill(`${bob.id}, ${cat.id}`);
		await ann.page.getByRole("button", { name: "Create encrypted group" }).click();
		await ann.page.getByLabel("Encrypted message").waitFor();

		// The invitees see it as an invitation in their encrypted list, accept it there, and read Ann.
		await openChat(bob.page, "Trio");
		await openChat(cat.page, "Trio");
		await send(ann.page, "Trio: first light");
		for (const p of [bob.page, cat.page])
			await p.getByTestId("e2e-messages").getByText("Trio: first light").waitFor({ timeout: 15_000 });
		expect(await seriousViolations(ann.page)).toEqual([]);

		// Bob signs in on a second browser: a new device key, announced to the chat's members.
		const bobNew = await device(bob.email, bob.password);
		const notice = ann.page.getByTestId("key-changed");
		await notice.waitFor({ timeout: 15_000 });
		expect(await notice.textContent()).toMatch(/^Mail .+'s security key changed \(new key [0-9a-f]{16}…\)/);
		await shot(ann.page, "e2e-key-changed");

		// Ann's next message is encrypted for the new device too; the old messages were not.
		await send(ann.page, "Trio: after the new device");
		await openChat(bobNew, "Trio");
		const texts = bobNew.getByTestId("e2e-messages").locator(".text");
		await texts.nth(1).waitFor({ timeout: 15_000 });
		expect(await texts.allTextContents()).toEqual([
			"Not encrypted for this device",
			"Trio: after the new device",
		]);
		await cat.page
			.getByTestId("e2e-messages")
			.getByText("Trio: after the new device")
			.waitFor({ timeout: 15_000 });
	});
});
