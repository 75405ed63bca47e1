import http from "node:http";
import https from "node:https";
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
 * Kept-alive connections per receiver. node:http rather than fetch: in the embedded default deliveries share
 * the ingest process's two cores, and fetch's web streams, abort signals and header objects cost about twice
 * the CPU per POST (measured at 100 deliveries/s; ingest beside them was ~7% slower with fetch).
 */
const TRANSPORTS = {
  "http:": { request: http.request, agent: new http.Agent({ keepAlive: true }) },
  "https:": { request: https.request, agent: new https.Agent({ keepAlive: true }) },
} as const;

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
  const headers = {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(body)),
    "User-Agent": "Chatfunnel-Webhooks/1",
    [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(options.secret, body),
    "X-Chatfunnel-Delivery": options.payload.deliveryId,
    "X-Chatfunnel-Event": options.payload.event.type,
    "X-Chatfunnel-Attempt": String(options.attempt),
  };
  const deadline = started + options.timeoutMs;
  try {
    let answer = await post(options.url, headers, body, deadline, options.timeoutMs);
    // A kept-alive connection the receiver closed as it was reused: the POST almost surely never reached it, so once
    // more on a new connection (if it did, the receiver gets it twice, which at least once allows: same deliveryId).
    if ("reset" in answer) answer = await post(options.url, headers, body, deadline, options.timeoutMs);
    if ("reset" in answer) throw answer.reset;
    const ok = answer.status >= 200 && answer.status < 300;
    return {
      ok,
      statusCode: answer.status,
      error: ok ? null : `HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ""}`,
      durationMs: elapsed(),
      responseBody: answer.text,
    };
  } catch (error) {
    return { ok: false, statusCode: null, error: describeFailure(error, options.timeoutMs), durationMs: elapsed(), responseBody: null };
  }
}

class DeadlineError extends Error {
  override name = "TimeoutError";
}

type Answer = { status: number; statusText: string; text: string } | { reset: Error };

/** The POST and its answer (status, the body's first RESPONSE_BODY_MAX bytes, the rest read and dropped) before `deadline`. */
function post(url: string, headers: Record<string, string>, body: string, deadline: number, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    // Webhook URLs are http(s) by their schema (WebhookUrlSchema).
    const transport = TRANSPORTS[target.protocol === "https:" ? "https:" : "http:"];
    const request = transport.request(target, { method: "POST", headers, agent: transport.agent });
    const timer = setTimeout(() => request.destroy(new DeadlineError(`no answer within ${timeoutMs} ms`)), Math.max(0, deadline - performance.now()));
    const done = () => clearTimeout(timer);
    request.on("error", (error: NodeJS.ErrnoException) => {
      done();
      if (request.reusedSocket && error.code === "ECONNRESET") resolve({ reset: error });
      else reject(error);
    });
    request.on("response", (response) => {
      const kept: Buffer[] = [];
      let keptBytes = 0;
      response.on("data", (chunk: Buffer) => {
        if (keptBytes >= RESPONSE_BODY_MAX) return;
        kept.push(chunk);
        keptBytes += chunk.length;
      });
      response.on("error", (error) => {
        done();
        reject(error);
      });
      // Cut off before its end (the deadline, a reset): the request's own error says which.
      response.on("close", () => {
        if (response.complete) return;
        done();
        reject(performance.now() >= deadline ? new DeadlineError(`no answer within ${timeoutMs} ms`) : new Error("the answer was cut off"));
      });
      response.on("end", () => {
        done();
        resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? "", text: Buffer.concat(kept).toString("utf8").slice(0, RESPONSE_BODY_MAX) });
      });
    });
    request.end(body);
  });
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `no answer within ${timeoutMs} ms`;
  const code = (error as { code?: string }).code;
  if (code) return `${code}${error instanceof Error && error.message ? `: ${error.message}` : ""}`;
  return error instanceof Error ? error.message : String(error);
}
