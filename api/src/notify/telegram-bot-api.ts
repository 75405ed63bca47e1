import { performance } from "node:perf_hooks";
import { z } from "zod";
import type { Config, TelegramTarget } from "@chatfunnel/schemas";

/**
 * The Telegram Bot API, as alerts and digests use it: sendMessage and sendPhoto to one chat. The base URL
 * comes from TELEGRAM_API_URL, so tests (and installs behind a proxy) answer in Telegram's place.
 * Every call ends in a result, never a throw: the caller records what happened and carries on.
 */

export type TelegramClientConfig = Pick<Config, "TELEGRAM_API_URL" | "TELEGRAM_TIMEOUT_MS">;

/** What one Bot API call came to. */
export interface TelegramSendResult {
  ok: boolean;
  /** The HTTP status; null when Telegram did not answer (refused, timed out). */
  statusCode: number | null;
  /** Telegram's own `description` when it refused ("Bad Request: chat not found"), or why no answer came. */
  error: string | null;
  /** Seconds Telegram asked us to wait (429 Too Many Requests), when it did. */
  retryAfterS: number | null;
  durationMs: number;
}

/** The Bot API's answer envelope: `{ok: true, result}` or `{ok: false, error_code, description, parameters}`. */
const BotApiAnswerSchema = z.object({
  ok: z.boolean(),
  description: z.string().optional(),
  parameters: z.object({ retry_after: z.number().optional() }).optional(),
});

/** Telegram's own limits: a message's text and a photo's caption. Longer ones are cut, not refused. */
export const TELEGRAM_MESSAGE_MAX = 4096;
export const TELEGRAM_CAPTION_MAX = 1024;

export interface TelegramMessage {
  text: string;
  /** "HTML" lets a message bold its headline; callers escape values with escapeTelegramHtml. */
  parseMode?: "HTML";
}

export function sendTelegramMessage(config: TelegramClientConfig, target: TelegramTarget, message: TelegramMessage): Promise<TelegramSendResult> {
  const body = JSON.stringify({
    chat_id: target.chatId,
    text: cut(message.text, TELEGRAM_MESSAGE_MAX),
    ...(message.parseMode ? { parse_mode: message.parseMode } : {}),
    link_preview_options: { is_disabled: true },
  });
  return call(config, target, "sendMessage", { headers: { "Content-Type": "application/json" }, body });
}

export interface TelegramPhoto {
  /** The image's bytes (PNG), uploaded as multipart/form-data as the Bot API asks for new files. */
  png: Uint8Array;
  fileName: string;
  caption?: string;
  parseMode?: "HTML";
}

export function sendTelegramPhoto(config: TelegramClientConfig, target: TelegramTarget, photo: TelegramPhoto): Promise<TelegramSendResult> {
  const form = new FormData();
  form.set("chat_id", String(target.chatId));
  form.set("photo", new Blob([photo.png.slice()], { type: "image/png" }), photo.fileName);
  if (photo.caption !== undefined) form.set("caption", cut(photo.caption, TELEGRAM_CAPTION_MAX));
  if (photo.parseMode) form.set("parse_mode", photo.parseMode);
  return call(config, target, "sendPhoto", { body: form });
}

/** HTML parse mode needs only these three escaped (Bot API "HTML style"). */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

async function call(config: TelegramClientConfig, target: TelegramTarget, method: string, init: { headers?: Record<string, string>; body: string | FormData }): Promise<TelegramSendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  // The token is part of the path; it never goes into an error message or a log line.
  const url = `${config.TELEGRAM_API_URL}/bot${target.botToken}/${method}`;
  try {
    const response = await fetch(url, { method: "POST", redirect: "manual", signal: AbortSignal.timeout(config.TELEGRAM_TIMEOUT_MS), headers: init.headers, body: init.body });
    const text = await response.text();
    const answer = parseAnswer(text);
    const ok = response.status === 200 && answer?.ok === true;
    return {
      ok,
      statusCode: response.status,
      error: ok ? null : (answer?.description ?? `HTTP ${response.status}`),
      retryAfterS: answer?.parameters?.retry_after ?? null,
      durationMs: elapsed(),
    };
  } catch (error) {
    return { ok: false, statusCode: null, error: describeFailure(error, config.TELEGRAM_TIMEOUT_MS), retryAfterS: null, durationMs: elapsed() };
  }
}

function parseAnswer(text: string): z.infer<typeof BotApiAnswerSchema> | null {
  try {
    const parsed = BotApiAnswerSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `no answer from the Bot API within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ? `Bot API not reachable: ${cause.code}` : "Bot API not reachable";
}

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}
