import { performance } from "node:perf_hooks";
import { WEBHOOK_SIGNATURE_HEADER, type WebhookPayload } from "@chatfunnel/schemas";
import { signWebhookBody } from "./signature.js";
import { refusedAddress } from "./address-policy.js";

/** What one POST to a receiver came to. */
export interface SendResult {
  /** A 2xx answer. */
  ok: boolean;
  /** null when the receiver did not answer (refused, reset, timed out). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The start of the answer, for the test endpoint (a CRM says why it refused). */
  responseBody: string | null;
}

export interface SendOptions {
  url: string;
  secret: string;
  payload: WebhookPayload;
  attempt: number;
  timeoutMs: number;
  allowPrivate: boolean;
}

const RESPONSE_BODY_MAX = 1024;

/**
 * One signed POST. Redirects are not followed (a 3xx is a failure, retried): following one could
 * lead to an address the policy refuses. The deadline covers the answer's body too, so a receiver
 * dripping bytes cannot hold a slot past WEBHOOK_TIMEOUT_MS.
 */
export async function sendDelivery(options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const refused = await refusedAddress(options.url, options.allowPrivate);
  if (refused) return { ok: false, statusCode: null, error: refused, durationMs: elapsed(), responseBody: null };
  const body = JSON.stringify(options.payload);
  try {
    const response = await fetch(options.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "Chatfunnel-Webhooks/1",
        [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(options.secret, body),
        "X-Chatfunnel-Delivery": options.payload.deliveryId,
        "X-Chatfunnel-Event": options.payload.event.type,
        "X-Chatfunnel-Attempt": String(options.attempt),
      },
      body,
    });
    const text = await response.text();
    const ok = response.status >= 200 && response.status < 300;
    return {
      ok,
      statusCode: response.status,
      error: ok ? null : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
      durationMs: elapsed(),
      responseBody: text.slice(0, RESPONSE_BODY_MAX),
    };
  } catch (error) {
    return { ok: false, statusCode: null, error: describeFailure(error, options.timeoutMs), durationMs: elapsed(), responseBody: null };
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ""}`;
  return error instanceof Error ? error.message : String(error);
}
