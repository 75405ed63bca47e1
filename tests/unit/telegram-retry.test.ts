import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@chatfunnel/schemas";
import { DEFAULT_TELEGRAM_RETRY_POLICY, isTransientTelegramFailure, telegramRetryDelayMs, telegramRetryPolicy } from "../../api/src/notify/telegram-outbox.js";
import { ALERT_TELEGRAM_RETRY_FOR_MS } from "../../api/src/alerts/alert-outbox.js";

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

  it("takes its settings from the environment, the defaults from the config schema, and names a bad variable", () => {
    expect(DEFAULT_TELEGRAM_RETRY_POLICY).toEqual({ baseMs: 10_000, maxMs: 600_000, pollMs: 5_000, idlePollMs: 60_000 });
    expect(ALERT_TELEGRAM_RETRY_FOR_MS).toBe(3_600_000);
    const config = loadConfig({ TELEGRAM_RETRY_BASE_MS: "250", TELEGRAM_RETRY_MAX_MS: "4000", TELEGRAM_RETRY_POLL_MS: "100", TELEGRAM_RETRY_IDLE_POLL_MS: "9000", TELEGRAM_ALERT_RETRY_FOR_MS: "60000" });
    expect(telegramRetryPolicy(config)).toEqual({ baseMs: 250, maxMs: 4000, pollMs: 100, idlePollMs: 9000 });
    expect(config.TELEGRAM_ALERT_RETRY_FOR_MS).toBe(60_000);
    expect(() => loadConfig({ TELEGRAM_RETRY_POLL_MS: "soon" })).toThrow(ConfigError);
    expect(() => loadConfig({ TELEGRAM_RETRY_POLL_MS: "soon" })).toThrow(/TELEGRAM_RETRY_POLL_MS/);
    expect(() => loadConfig({ TELEGRAM_RETRY_BASE_MS: "0" })).toThrow(/TELEGRAM_RETRY_BASE_MS/);
  });
});
