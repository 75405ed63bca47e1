import { performance } from "node:perf_hooks";
import type { Config, DeliverTarget, DigestDeliveryAttempt } from "@chatfunnel/schemas";
import { refusedAddress } from "@chatfunnel/ingest";
import { TELEGRAM_CAPTION_MAX, type TelegramClientConfig, type TelegramSendResult } from "../notify/telegram-bot-api.js";
import type { TelegramCall } from "@chatfunnel/warehouse";
import { sendTelegramCall } from "../notify/telegram-outbox.js";

/** What delivering a digest needs: the Bot API's address and deadline, and the webhook sending policy. */
export type DigestDeliveryConfig = TelegramClientConfig & Pick<Config, "WEBHOOK_ALLOW_PRIVATE" | "WEBHOOK_TIMEOUT_MS">;

export interface DigestMessage {
  /** Telegram HTML. */
  html: string;
  png: Uint8Array;
  fileName: string;
  /** The JSON a webhook target receives. */
  webhookBody: unknown;
}

/**
 * Whether the text can be the photo's caption whole. Counted on the raw HTML, as the Bot API client cuts it
 * (telegram-bot-api.ts), and each line break twice: a multipart form carries it as CRLF. Markup only makes
 * the count larger than what Telegram shows, so a caption that passes is never cut.
 */
export function fitsCaption(html: string): boolean {
  return [...html].length + (html.match(/\n/g)?.length ?? 0) <= TELEGRAM_CAPTION_MAX;
}

const attempt = (method: DigestDeliveryAttempt["method"], result: Pick<TelegramSendResult, "ok" | "statusCode" | "error" | "durationMs">): DigestDeliveryAttempt => ({
  method,
  ok: result.ok,
  statusCode: result.statusCode,
  error: result.error,
  durationMs: result.durationMs,
});

/**
 * A digest's Bot API calls, in order: the chart with the text as its caption when the text fits the Bot API's
 * caption limit (1024), else the chart alone and then the text as a message (cutting the caption would lose
 * figures).
 */
export function digestTelegramCalls(message: Pick<DigestMessage, "html" | "png" | "fileName">): TelegramCall[] {
  const pngBase64 = Buffer.from(message.png).toString("base64");
  if (fitsCaption(message.html)) return [{ method: "sendPhoto", pngBase64, fileName: message.fileName, caption: message.html, parseMode: "HTML" }];
  return [
    { method: "sendPhoto", pngBase64, fileName: message.fileName },
    { method: "sendMessage", text: message.html, parseMode: "HTML" },
  ];
}

/**
 * Sends one digest once (send now): each Telegram call of digestTelegramCalls, the text even when the image was
 * refused (the text carries the figures), or one webhook POST. Each call's result is returned, a refusal
 * included; nothing here throws. Scheduled sends go through the retry queue instead (send-digest.ts).
 */
export async function deliverDigest(config: DigestDeliveryConfig, target: DeliverTarget, message: DigestMessage): Promise<DigestDeliveryAttempt[]> {
  if (target.telegram) {
    const attempts: DigestDeliveryAttempt[] = [];
    for (const call of digestTelegramCalls(message)) attempts.push(attempt(call.method, await sendTelegramCall(config, target.telegram, call)));
    return attempts;
  }
  return [await postWebhook(config, target.webhook?.url ?? "", message.webhookBody)];
}

/** One JSON POST to a webhook target: the private-address policy and timeout of lead webhooks, no redirects. */
async function postWebhook(config: DigestDeliveryConfig, url: string, body: unknown): Promise<DigestDeliveryAttempt> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const refused = await refusedAddress(url, config.WEBHOOK_ALLOW_PRIVATE);
  if (refused) return { method: "webhook", ok: false, statusCode: null, error: refused, durationMs: elapsed() };
  try {
    const response = await fetch(url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(config.WEBHOOK_TIMEOUT_MS),
      headers: { "Content-Type": "application/json", "User-Agent": "Chatfunnel-Digests/1" },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    const ok = response.status >= 200 && response.status < 300;
    return { method: "webhook", ok, statusCode: response.status, error: ok ? null : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`, durationMs: elapsed() };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const code = (error as { cause?: { code?: string } }).cause?.code;
    return { method: "webhook", ok: false, statusCode: null, error: timedOut ? `no answer within ${config.WEBHOOK_TIMEOUT_MS} ms` : (code ?? "not reachable"), durationMs: elapsed() };
  }
}
