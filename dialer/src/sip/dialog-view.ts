/** The dialog a request is routed to, as the answers need it. */
export interface DialogView {
	/** Our From tag: the far end's requests carry it as their To tag. */
	readonly localTag: string;
	/** The far end's tag, once the dialog is confirmed: its requests carry it as their From tag. */
	readonly remoteTag?: string;
	/** Our Contact, repeated in the 200 to a re-INVITE. */
	readonly contact: string;
	/** Only a confirmed dialog takes a re-INVITE (before, our INVITE is in progress: 491). */
	readonly confirmed: boolean;
	/** The far end hung up (its BYE has been answered). */
	remoteBye(): void;
	/**
	 * The far end's new SDP: the offer of a re-INVITE we accepted, or the answer
	 * in the ACK to the offer we made in a 2xx. Returns our SDP (everything we
	 * can do; the answer is computed from it). Called with "" it must change
	 * nothing and just return that SDP (what a re-INVITE without SDP needs).
	 */
	reoffer(sdp: string): string;
	/**
	 * A target refresh we accepted (a re-INVITE): its Contact is the dialog's
	 * remote target from now on (RFC 3261 §12.2.2), so later requests go there.
	 */
	refreshTarget?(contact: string): void;
	/**
	 * End the dialog from our side, BYE included, and tell the call's owner
	 * why: the far end never ACKed our 2xx to its re-INVITE (§13.3.1.4).
	 * Without it the dialog is left up and the miss only logged.
	 */
	end?(reason: string): void;
}
