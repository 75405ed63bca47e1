import { performance } from "node:perf_hooks";
import { WEBHOOK_SIGNATURE_HEADER, type AlertWebhookPayload, type Config } from "@chatfunnel/schemas";
import { refusedAddress, signWebhookBody } from "@chatfunnel/ingest";
import type { AlertRecord } from "@chatfunnel/warehouse";
import { sendTelegramMessage, type TelegramClientConfig } from "../notify/telegram-bot-api.js";

/** What sending needs: the Bot API's address and timeout, the webhook address policy and timeout. */
export type AlertDeliveryConfig = TelegramClientConfig & Pick<Config, "WEBHOOK_ALLOW_PRIVATE" | "WEBHOOK_TIMEOUT_MS">;

/** The documented defaults, for a process that passes no config of its own. */
export const DEFAULT_ALERT_DELIVERY_CONFIG: AlertDeliveryConfig = {
  TELEGRAM_API_URL: "https://api.telegram.org",
  TELEGRAM_TIMEOUT_MS: 10_000,
  WEBHOOK_ALLOW_PRIVATE: true,
  WEBHOOK_TIMEOUT_MS: 10_000,
};

export interface AlertSendResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * Sends one fired alert, once: to the Telegram chat through the Bot API, or as a signed POST to the webhook
 * (X-Chatfunnel-Signature over the raw body, as lead webhooks). Never throws: a refusal (a wrong chat, a
 * receiver's 500) is a result the run records. One attempt (check, webhook targets); a scheduled Telegram message
 * goes through the retry queue instead (run-alert.ts, notify/telegram-outbox.ts).
 */
export async function deliverAlert(config: AlertDeliveryConfig, alert: AlertRecord, payload: AlertWebhookPayload): Promise<AlertSendResult> {
  if (alert.deliver.telegram) {
    const result = await sendTelegramMessage(config, alert.deliver.telegram, { text: payload.text });
    return { ok: result.ok, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs };
  }
  const url = alert.deliver.webhook?.url ?? "";
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const refused = await refusedAddress(url, config.WEBHOOK_ALLOW_PRIVATE);
  if (refused) return { ok: false, statusCode: null, error: refused, durationMs: elapsed() };
  const body = JSON.stringify(payload);
  try {
    const response = await fetch(url, {
      method: "POST",
      // A redirect could lead to an address the policy refuses: it is a failure, like for lead webhooks.
      redirect: "manual",
      signal: AbortSignal.timeout(config.WEBHOOK_TIMEOUT_MS),
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "Chatfunnel-Alerts/1",
        [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(alert.webhookSecret, body),
        "X-Chatfunnel-Delivery": payload.deliveryId,
        "X-Chatfunnel-Alert": alert.id,
      },
      body,
    });
    await response.arrayBuffer();
    const ok = response.status >= 200 && response.status < 300;
    return { ok, statusCode: response.status, error: ok ? null : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`, durationMs: elapsed() };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const cause = (error as { cause?: { code?: string } }).cause;
    return { ok: false, statusCode: null, error: timedOut ? `no answer within ${config.WEBHOOK_TIMEOUT_MS} ms` : (cause?.code ?? (error instanceof Error ? error.message : String(error))), durationMs: elapsed() };
  }
}
