import type { Storage } from "@chatfunnel/core";
import { DEFAULT_PROJECT_LANGUAGE, type DigestDeliveryAttempt, type DigestSendResult, type DigestTrigger } from "@chatfunnel/schemas";
import { readProjectSettings, recordDigestSend, type DigestRecord } from "@chatfunnel/warehouse";
import { projectTimeZone } from "../metrics/project-settings.js";
import { digestContent } from "./digest-content.js";
import { renderDigestChart } from "./digest-chart.js";
import { digestText, plainDigestText } from "./digest-text.js";
import type { TelegramOutbox } from "../notify/telegram-outbox.js";
import { deliverDigest, digestTelegramCalls, type DigestDeliveryConfig } from "./deliver-digest.js";
import { digestRetryForMs, digestWaitingText } from "./digest-outbox.js";
import { lastFullPeriod, type LocalPeriod } from "./periods.js";

export interface SendDigestOptions {
  trigger: DigestTrigger;
  /** The period to report; the last full one at `nowMs` when left out (send now). */
  period?: LocalPeriod;
  nowMs?: number;
  /**
   * The scheduler's retry queue: a Telegram call that fails for a passing reason waits there (until the next
   * period's send time) instead of being the outcome. Send now has none: its answer is Telegram's first one.
   */
  outbox?: TelegramOutbox;
}

/** A send's answer, and whether it waits in the retry queue (the outcome is then recorded later). */
export interface DigestSendOutcome {
  result: DigestSendResult;
  waiting: boolean;
}

/**
 * Builds one digest (figures, text in the project's language, chart) and delivers it, then records the
 * outcome in the send log. A refusal by Telegram or the webhook is part of the answer and the log, not an
 * error; only storage failing (the figures cannot be read) throws.
 */
export async function sendDigest(storage: Storage, config: DigestDeliveryConfig, digest: DigestRecord, options: SendDigestOptions): Promise<DigestSendResult> {
  return (await sendDigestWithRetries(storage, config, digest, options)).result;
}

/** sendDigest, saying whether the send now waits for a retry (`options.outbox`). */
export async function sendDigestWithRetries(storage: Storage, config: DigestDeliveryConfig, digest: DigestRecord, options: SendDigestOptions): Promise<DigestSendOutcome> {
  const nowMs = options.nowMs ?? Date.now();
  const [tz, settings] = await Promise.all([projectTimeZone(storage, digest.projectId), readProjectSettings(storage, digest.projectId)]);
  const language = settings?.language ?? DEFAULT_PROJECT_LANGUAGE;
  const period = options.period ?? lastFullPeriod(digest.schedule, nowMs, tz);
  const content = await digestContent(storage, { digest, tz, language, period });
  const html = digestText(content);
  const chart = await renderDigestChart(content);
  const message = {
    html,
    png: chart.png,
    fileName: `digest-${content.period.from}.png`,
    webhookBody: {
      type: "digest",
      digest: { id: digest.id, name: digest.name, schedule: digest.schedule },
      text: plainDigestText(html),
      content,
      image: { mediaType: "image/png", width: chart.width, height: chart.height, base64: Buffer.from(chart.png).toString("base64") },
    },
  };
  let deliveries: DigestDeliveryAttempt[];
  let ok: boolean;
  let error: string | null;
  let waiting = false;
  if (options.outbox && digest.deliver.telegram) {
    const first = await options.outbox.firstAttempt(digest.deliver.telegram, {
      projectId: digest.projectId,
      kind: "digest",
      ownerId: digest.id,
      sendId: period.from,
      calls: digestTelegramCalls(message),
      giveUpMs: Date.now() + digestRetryForMs(digest.schedule, nowMs, tz),
      context: JSON.stringify({ trigger: options.trigger, periodFrom: period.from, periodTo: period.to, schedule: digest.schedule }),
    });
    deliveries = first.attempts;
    waiting = first.waiting !== null;
    ok = first.settlement?.state === "sent";
    error = first.waiting ? digestWaitingText(first.waiting) : (first.settlement?.error ?? null);
  } else {
    deliveries = await deliverDigest(config, digest.deliver, message);
    ok = deliveries.every((delivery) => delivery.ok);
    error = deliveries.find((delivery) => !delivery.ok)?.error ?? null;
  }
  const sentAt = new Date().toISOString();
  // A send waiting for a retry keeps the period claimed; the queue writes its outcome (sent or failed) later.
  await recordDigestSend(storage, {
    projectId: digest.projectId,
    digestId: digest.id,
    trigger: options.trigger,
    periodFrom: period.from,
    periodTo: period.to,
    state: waiting ? "claimed" : ok ? "sent" : "failed",
    at: sentAt,
    error,
    deliveries: JSON.stringify(deliveries),
  });
  const result: DigestSendResult = {
    digestId: digest.id,
    trigger: options.trigger,
    sentAt,
    ok,
    error,
    deliveries,
    text: html,
    content,
    image: { mediaType: "image/png", width: chart.width, height: chart.height, bytes: chart.png.byteLength },
  };
  return { result, waiting };
}
