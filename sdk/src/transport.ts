import { parseRetryAfterMs } from "./backoff.js";
import type { FetchLike, IngestResponse } from "./types.js";

/** What one POST amounted to, decided by status only: the caller owns retries. */
export type SendOutcome =
  | { kind: "ok"; response: IngestResponse }
  | { kind: "retry"; error: Error; retryAfterMs?: number }
  | { kind: "too_large"; error: Error }
  | { kind: "fatal"; error: Error; status: number };

export class ChatfunnelHttpError extends Error {
  override name = "ChatfunnelHttpError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * POSTs one body. Network errors, timeouts, 429 and 5xx are retryable; other 4xx are the
 * sender's mistake and resending the same bytes cannot fix them.
 */
export async function postBatch(
  fetchFn: FetchLike,
  url: string,
  writeKey: string,
  body: string,
  timeoutMs: number,
  // The caller's, so it can abort the request itself (shutdown()'s deadline) without a listener per request.
  controller: AbortController = new AbortController(),
): Promise<SendOutcome> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await fetchFn(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${writeKey}` },
      body,
      signal: controller.signal,
    });
    const text = await res.text();
    if (res.status >= 200 && res.status < 300) return { kind: "ok", response: readIngestResponse(text) };
    const error = new ChatfunnelHttpError(`collector answered ${res.status}: ${serverMessage(text)}`, res.status);
    if (res.status === 429 || res.status >= 500) return { kind: "retry", error, retryAfterMs: parseRetryAfterMs(res.headers.get("retry-after")) };
    if (res.status === 413) return { kind: "too_large", error };
    // 408 (request timeout) is the one 4xx a resend can cure.
    if (res.status === 408) return { kind: "retry", error };
    return { kind: "fatal", error, status: res.status };
  } catch (cause) {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    const message = timedOut ? `request timed out after ${timeoutMs} ms` : controller.signal.aborted ? "request aborted at the shutdown deadline" : `network error: ${error.message}`;
    return { kind: "retry", error: new Error(message, { cause: error }) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a 200 answer without zod: only the fields the SDK acts on. A 200 means the accepted
 * events are durable, so an unreadable body still counts as delivered.
 */
export function readIngestResponse(text: string): IngestResponse {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== "object" || body === null) return { accepted: 0, rejected: [] };
    const { accepted, rejected } = body as { accepted?: unknown; rejected?: unknown };
    const list = Array.isArray(rejected) ? rejected.filter(isRejection) : [];
    return { accepted: typeof accepted === "number" ? accepted : 0, rejected: list };
  } catch {
    return { accepted: 0, rejected: [] };
  }
}

function isRejection(value: unknown): value is IngestResponse["rejected"][number] {
  if (typeof value !== "object" || value === null) return false;
  const { index, errors } = value as { index?: unknown; errors?: unknown };
  return Number.isInteger(index) && Array.isArray(errors);
}

function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof body.error?.message === "string") return body.error.message;
  } catch {
    // Not the contract's JSON error: show the start of whatever came back.
  }
  return text.slice(0, 200) || "(empty body)";
}
