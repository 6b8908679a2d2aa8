/** A campaign's retry policy: which outcomes are tried again, after how long, up to how many attempts. */
export type RetryRule = { delay_s: number; max_attempts: number };
export type RetryPolicy = Partial<Record<"busy" | "no_answer" | "failed", RetryRule>>;
