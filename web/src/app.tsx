import type { ChatView } from "@hatch/contract/chats";
import { lazy, Suspense } from "preact/compat";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { CallPanel } from "./calls.tsx";
import { ChatList } from "./chat-list.tsx";
import { ChatScreen } from "./chat-view.tsx";
import { applyProfile, errorText, hatch, type Me } from "./hatch.ts";
import { Invitation } from "./invitation.tsx";
import { Login } from "./login.tsx";
import { Settings } from "./settings.tsx";

// Views beside the chats load on demand, so the first screen stays inside the bundle budget.
const CallHistory = lazy(() => import("./call-history.tsx"));
const Voice = lazy(() => import("./voice/voice.tsx"));
const Support = lazy(() => import("./support/support.tsx"));
const E2eChats = lazy(() => import("./e2e/e2e.tsx"));

const TABS = [
	["chats", "Chats"],
	["e2e", "Encrypted"],
	["calls", "Calls"],
	["voice", "Voice campaigns"],
	["support", "Support"],
] as const;
type Tab = (typeof TABS)[number][0];

/**
 * The signed-in shell: the call bar on top, then one view at a time:
 * chats (list and chat side by side, stacked on a phone), end-to-end
 * encrypted chats, call history, voice campaigns, support.
 */
export function App() {
	const [signedIn, setSignedIn] = useState(Boolean(hatch.auth.session));
	const [me, setMe] = useState<Me | null>(null);
	const [open, setOpen] = useState<ChatView | null>(null);
	const [settings, setSettings] = useState(false);
	const [error, setError] = useState("");
	const [tab, setTab] = useState<Tab>("chats");
	// Bumped when an invitation is answered or a chat left, so the list is read again.
	const [listVersion, setListVersion] = useState(0);

	useEffect(() => {
		if (!signedIn) return applyProfile(null);
		hatch.api
			.json<Me>("GET", "/v1/me")
			.then((m) => {
				setMe(m);
				applyProfile(m);
			})
			.catch(() => setSignedIn(false));
		hatch.hub.connect().catch((e) => setError(errorText(e)));
	}, [signedIn]);

	if (!signedIn) return <Login onSignedIn={() => setSignedIn(true)} />;
	if (!me) return <p class="card">Loading…</p>;

	const signOut = async () => {
		await hatch.logout().catch(() => {});
		setMe(null);
		setOpen(null);
		setSignedIn(false);
	};

	return (
		<>
			<header class="top">
				<h1>Hatch</h1>
				<span data-testid="me">{me.display_name}</span>
				<button type="button" class="plain" aria-expanded={settings} onClick={() => setSettings(!settings)}>
					Settings
				</button>
				<button type="button" class="plain" onClick={signOut}>
					Sign out
				</button>
			</header>
			<Alert text={error} />
			{settings && (
				<Settings
					me={me}
					onChange={(m) => {
						setMe(m);
						applyProfile(m);
					}}
					onSignedOut={signOut}
				/>
			)}
			<CallPanel />
			<nav aria-label="Sections" class="tabs">
				{TABS.map(([id, label]) => (
					<button
						key={id}
						type="button"
						aria-current={tab === id ? "page" : undefined}
						onClick={() => setTab(id)}
					>
						{label}
					</button>
				))}
			</nav>
			{tab === "chats" && (
				<div class="layout">
					<nav aria-label="Chats">
						<ChatList key={listVersion} openId={open?.id ?? null} onOpen={setOpen} />
					</nav>
					{open?.status === "invited" ? (
						<Invitation
							key={open.id}
							chat={open}
							onDone={(c) => {
								setOpen(c);
								setListVersion((v) => v + 1);
							}}
						/>
					) : open ? (
						<ChatScreen
							key={open.id}
							chat={open}
							me={me}
							onLeft={() => {
								setOpen(null);
								setListVersion((v) => v + 1);
							}}
						/>
					) : (
						<main class="card muted">Pick a chat, or start one with a user id or username.</main>
					)}
				</div>
			)}
			{tab !== "chats" && (
				<main>
					<Suspense fallback={<p class="card">Loading…</p>}>
						{tab === "e2e" && <E2eChats me={me} />}
						{tab === "calls" && <CallHistory />}
						{tab === "voice" && <Voice />}
						{tab === "support" && <Support me={me} />}
					</Suspense>
				</main>
			)}
		</>
	);
}
