import type { Storage } from "@chatfunnel/core";
import { DEFAULT_PROJECT_LANGUAGE, type DigestSendResult, type DigestTrigger } from "@chatfunnel/schemas";
import { readProjectSettings, recordDigestSend, type DigestRecord } from "@chatfunnel/warehouse";
import { projectTimeZone } from "../metrics/project-settings.js";
import { digestContent } from "./digest-content.js";
import { renderDigestChart } from "./digest-chart.js";
import { digestText, plainDigestText } from "./digest-text.js";
import { deliverDigest, type DigestDeliveryConfig } from "./deliver-digest.js";
import { lastFullPeriod, type LocalPeriod } from "./periods.js";

export interface SendDigestOptions {
  trigger: DigestTrigger;
  /** The period to report; the last full one at `nowMs` when left out (send now). */
  period?: LocalPeriod;
  nowMs?: number;
}

/**
 * Builds one digest (figures, text in the project's language, chart) and delivers it, then records the
 * outcome in the send log. A refusal by Telegram or the webhook is part of the answer and the log, not an
 * error; only storage failing (the figures cannot be read) throws.
 */
export async function sendDigest(storage: Storage, config: DigestDeliveryConfig, digest: DigestRecord, options: SendDigestOptions): Promise<DigestSendResult> {
  const nowMs = options.nowMs ?? Date.now();
  const [tz, settings] = await Promise.all([projectTimeZone(storage, digest.projectId), readProjectSettings(storage, digest.projectId)]);
  const language = settings?.language ?? DEFAULT_PROJECT_LANGUAGE;
  const period = options.period ?? lastFullPeriod(digest.schedule, nowMs, tz);
  const content = await digestContent(storage, { digest, tz, language, period });
  const html = digestText(content);
  const chart = await renderDigestChart(content);
  const deliveries = await deliverDigest(config, digest.deliver, {
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
  });
  const ok = deliveries.every((delivery) => delivery.ok);
  const error = deliveries.find((delivery) => !delivery.ok)?.error ?? null;
  const sentAt = new Date().toISOString();
  await recordDigestSend(storage, {
    projectId: digest.projectId,
    digestId: digest.id,
    trigger: options.trigger,
    periodFrom: period.from,
    periodTo: period.to,
    state: ok ? "sent" : "failed",
    at: sentAt,
    error,
    deliveries: JSON.stringify(deliveries),
  });
  return {
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
}
