import { describe, expect, it } from "vitest";
import { isTransientTelegramFailure, telegramRetryDelayMs } from "../../api/src/notify/telegram-outbox.js";

describe("Telegram retries", () => {
  it("retries no answer, 5xx and 429; not 400, 401, 403, 404", () => {
    const failed = (statusCode: number | null) => ({ ok: false, statusCode });
    expect([null, 429, 500, 502, 503, 504].map((code) => isTransientTelegramFailure(failed(code)))).toEqual([true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 409].map((code) => isTransientTelegramFailure(failed(code)))).toEqual([false, false, false, false, false]);
    expect(isTransientTelegramFailure({ ok: true, statusCode: 200 })).toBe(false);
  });

  it("waits Telegram's retry_after when given, else doubles from the base up to the cap, half of it random", () => {
    const policy = { baseMs: 1000, maxMs: 8000, pollMs: 1000 };
    expect(telegramRetryDelayMs(3, { retryAfterS: 7 }, policy, () => 0)).toBe(7000);
    expect([1, 2, 3, 4, 5].map((attempt) => telegramRetryDelayMs(attempt, { retryAfterS: null }, policy, () => 1))).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(telegramRetryDelayMs(2, { retryAfterS: null }, policy, () => 0)).toBe(1000);
  });
});
