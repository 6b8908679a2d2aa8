import type { ActiveCall, IncomingCall } from "@hatch/client";
import { useEffect, useState } from "preact/hooks";
import { errorText, hatch } from "./hatch.ts";

type CallState =
	| { phase: "idle"; note?: string }
	| { phase: "incoming"; incoming: IncomingCall }
	| { phase: "calling" | "ringing" | "in-call"; who: string; call?: ActiveCall };

let state: CallState = { phase: "idle" };
const listeners = new Set<(s: CallState) => void>();
function set(next: CallState) {
	state = next;
	for (const l of listeners) l(next);
}
function useCall(): CallState {
	const [s, setS] = useState(state);
	useEffect(() => {
		listeners.add(setS);
		return () => listeners.delete(setS);
	}, []);
	return s;
}

/** What a SIP code at the end of a call means to a person (RFC 3261 §21). */
function ended(code: number, by: string): string {
	if (code === 486 || code === 600) return "Busy";
	if (code === 480) return "Not reachable (offline)";
	if (code === 603) return "Declined";
	if (code === 487) return "Cancelled";
	if (code === 408) return "No answer";
	return by === "system" ? "Call ended" : "Hung up";
}

function follow(call: ActiveCall, who: string) {
	set({ phase: "calling", who, call });
	call.pc.ontrack = (ev) => {
		const audio = document.getElementById("remote-audio") as HTMLAudioElement | null;
		if (audio) audio.srcObject = ev.streams[0] ?? new MediaStream([ev.track]);
	};
	call.pc.onconnectionstatechange = () => {
		if (call.pc.connectionState === "connected") set({ phase: "in-call", who, call });
	};
	void call.ended.then((bye) => set({ phase: "idle", note: `${who}: ${ended(bye.code, bye.ended_by)}` }));
}

/** "Call" on a direct chat: an audio call to the other person. */
export function CallButton({ peer }: { peer: { id: string; display_name: string } }) {
	const s = useCall();
	return (
		<button
			type="button"
			disabled={s.phase !== "idle"}
			onClick={async () => {
				set({ phase: "calling", who: peer.display_name });
				try {
					const media = await navigator.mediaDevices.getUserMedia({ audio: true });
					follow(await hatch.calls.place(peer.id, media), peer.display_name);
				} catch (e) {
					set({ phase: "idle", note: errorText(e) });
				}
			}}
		>
			Call
		</button>
	);
}

/** The call bar: incoming call (answer / reject), ringing, in call (hang up), and how the last call ended. */
export function CallPanel() {
	const s = useCall();
	useEffect(() => {
		const offs = [
			hatch.calls.onIncoming((incoming) => {
				if (state.phase !== "idle") void incoming.reject(486, "Busy Here");
				else set({ phase: "incoming", incoming });
			}),
			hatch.hub.on("call.ack", () => {
				if (state.phase === "calling") set({ ...state, phase: "ringing" });
			}),
			hatch.hub.on("call.bye", (e) => {
				if (state.phase === "incoming" && state.incoming.callId === e.call_id)
					set({ phase: "idle", note: `${state.incoming.caller.display_name}: ${ended(e.code, e.ended_by)}` });
			}),
		];
		return () => {
			for (const off of offs) off();
		};
	}, []);

	return (
		<section aria-label="Calls" aria-live="polite">
			<audio id="remote-audio" autoplay>
				<track kind="captions" />
			</audio>
			{s.phase === "incoming" && (
				<div class="call" data-testid="call-bar">
					<span>Incoming call from {s.incoming.caller.display_name}</span>
					<button
						type="button"
						onClick={async () => {
							const who = s.incoming.caller.display_name;
							try {
								const media = await navigator.mediaDevices.getUserMedia({ audio: true });
								follow(await s.incoming.answer(media), who);
							} catch (e) {
								set({ phase: "idle", note: errorText(e) });
							}
						}}
					>
						Answer
					</button>
					<button
						type="button"
						onClick={() => s.incoming.reject(603, "Decline").then(() => set({ phase: "idle" }))}
					>
						Reject
					</button>
				</div>
			)}
			{(s.phase === "calling" || s.phase === "ringing" || s.phase === "in-call") && (
				<div class="call" data-testid="call-bar">
					<span data-testid="call-phase">
						{s.phase === "calling" ? "Calling" : s.phase === "ringing" ? "Ringing" : "In call with"} {s.who}
					</span>
					<button type="button" onClick={() => s.call?.hangUp().catch(() => set({ phase: "idle" }))}>
						Hang up
					</button>
				</div>
			)}
			{s.phase === "idle" && s.note && <p class="call muted">{s.note}</p>}
		</section>
	);
}
