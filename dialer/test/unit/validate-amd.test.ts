/**
 * POST /calls `amd`: absent means no detection; {on_machine, machine_audio?}
 * is checked with the contract's schema (@hatch/contract/dialer DialAmd) and stable
 * codes, INVALID_<FIELD>[_<SUBFIELD>], and every refusal says what to send.
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/control/errors.ts";
import { validateCall } from "../../src/control/validate.ts";
import { TEST_DENY } from "../helpers.ts";

const base = {
	call_id: "c1",
	to: "+15550001",
	trunk: { host: "127.0.0.1" },
	audio: { url: "https://w.test/a.wav" },
	host_deny: TEST_DENY,
};
const codeOf = (body: unknown) => {
	try {
		validateCall(body);
		return "ok";
	} catch (err) {
		return (err as ApiError).code;
	}
};

describe("POST /calls amd", () => {
	it("is off when absent, and takes each on_machine", () => {
		expect(validateCall(base).amd).toBeUndefined();
		expect(validateCall({ ...base, amd: {} }).amd).toEqual({ onMachine: "hangup" });
		expect(validateCall({ ...base, amd: { on_machine: "play" } }).amd).toEqual({ onMachine: "play" });
		expect(
			validateCall({
				...base,
				amd: { on_machine: "play_other", machine_audio: { url: "https://w.test/m.wav" } },
			}).amd,
		).toEqual({ onMachine: "play_other", machineAudio: { url: "https://w.test/m.wav" } });
		expect(
			validateCall({ ...base, amd: { on_machine: "play_other", machine_audio: { inline: "UklGRg==" } } }).amd,
		).toEqual({ onMachine: "play_other", machineAudio: { inline: "UklGRg==" } });
	});

	it("refuses bad options with a code naming the field", () => {
		expect(codeOf({ ...base, amd: "yes" })).toBe("INVALID_AMD");
		expect(codeOf({ ...base, amd: [] })).toBe("INVALID_AMD");
		expect(codeOf({ ...base, amd: { on_machine: "voicemail" } })).toBe("INVALID_AMD_ON_MACHINE");
		expect(codeOf({ ...base, amd: { on_machine: "play_other" } })).toBe("INVALID_AMD_MACHINE_AUDIO");
		expect(
			codeOf({ ...base, amd: { on_machine: "hangup", machine_audio: { url: "https://w.test/m.wav" } } }),
		).toBe("INVALID_AMD_MACHINE_AUDIO");
		expect(
			codeOf({ ...base, amd: { on_machine: "play_other", machine_audio: { url: "ftp://x/m.wav" } } }),
		).toBe("INVALID_AMD_MACHINE_AUDIO");
		expect(
			codeOf({ ...base, amd: { on_machine: "play_other", machine_audio: { inline: "not base64!" } } }),
		).toBe("INVALID_AMD_MACHINE_AUDIO");
		try {
			validateCall({ ...base, amd: { on_machine: "voicemail" } });
		} catch (err) {
			expect(err).toBeInstanceOf(ApiError);
			expect((err as Error).message).toMatch(/amd\.on_machine: .*"hangup".*"play".*"play_other"/);
		}
	});

	it("keeps the audio field's own codes", () => {
		expect(codeOf({ ...base, audio: { url: "nope" } })).toBe("INVALID_AUDIO_URL");
		expect(codeOf({ ...base, audio: { inline: "" } })).toBe("INVALID_AUDIO_INLINE");
		expect(codeOf({ ...base, audio: 3 })).toBe("INVALID_AUDIO");
	});
});
