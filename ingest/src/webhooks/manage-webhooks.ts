import { randomBytes, randomUUID } from "node:crypto";
import type { Storage } from "@chatfunnel/core";
import { MAX_WEBHOOKS_PER_PROJECT, type Config, type Webhook, type WebhookCreateBody, type WebhookCreated, type WebhookTestResult } from "@chatfunnel/schemas";
import { findWebhook, insertWebhook, lastAttempts, projectWebhooks, type WebhookRecord } from "@chatfunnel/warehouse";
import { refusedAddress } from "./address-policy.js";
import { sendDelivery } from "./send-delivery.js";

export type WebhookManageConfig = Pick<Config, "WEBHOOK_ALLOW_PRIVATE" | "WEBHOOK_TIMEOUT_MS">;

/** Refusals of a create that are the request's fault: the route answers 400 naming `field`. */
export class WebhookInputError extends Error {
  override name = "WebhookInputError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const toWebhook = (record: WebhookRecord, lastDelivery: Webhook["lastDelivery"]): Webhook => ({
  id: record.id,
  url: record.url,
  events: record.events,
  createdAt: record.createdAt,
  status: record.disabledReason === "" ? "active" : "disabled",
  disabledReason: record.disabledReason === "" ? null : record.disabledReason,
  disabledAt: record.disabledAt,
  lastDelivery,
});

export async function createWebhook(storage: Storage, projectId: string, body: WebhookCreateBody, config: WebhookManageConfig): Promise<WebhookCreated> {
  const refused = await refusedAddress(body.url, config.WEBHOOK_ALLOW_PRIVATE);
  if (refused) throw new WebhookInputError("url", refused);
  if ((await projectWebhooks(storage, projectId)).length >= MAX_WEBHOOKS_PER_PROJECT) {
    throw new WebhookInputError("url", `a project has at most ${MAX_WEBHOOKS_PER_PROJECT} webhooks; delete one first`);
  }
  const record = {
    projectId,
    id: `wh_${randomUUID().replaceAll("-", "").slice(0, 20)}`,
    url: body.url,
    events: body.events,
    secret: body.secret ?? `whsec_${randomBytes(24).toString("base64url")}`,
    createdAt: new Date().toISOString(),
  };
  await insertWebhook(storage, record);
  return { ...toWebhook({ ...record, disabledReason: "", disabledAt: null }, null), secret: record.secret };
}

export async function listWebhooks(storage: Storage, projectId: string): Promise<Webhook[]> {
  const records = await projectWebhooks(storage, projectId);
  const last = await lastAttempts(storage, projectId, records.map((record) => record.id));
  return records.map((record) => toWebhook(record, last.get(record.id) ?? null));
}

/**
 * Sends one sample event of the webhook's first type now, signed like every delivery, and answers what
 * the receiver said. It is not stored or retried: a sample must not reach the CRM twice or look like a lead.
 */
export async function testWebhook(storage: Storage, projectId: string, id: string, config: WebhookManageConfig): Promise<WebhookTestResult | undefined> {
  const webhook = await findWebhook(storage, projectId, id);
  if (!webhook) return undefined;
  const now = new Date().toISOString();
  const deliveryId = `test_${randomUUID().replaceAll("-", "")}`;
  const result = await sendDelivery({
    url: webhook.url,
    secret: webhook.secret,
    attempt: 1,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    payload: {
      deliveryId,
      event: {
        id: randomUUID(),
        type: webhook.events[0] ?? "lead",
        channel: "telegram",
        botId: "chatfunnel_test",
        userId: "test",
        timestamp: now,
        receivedAt: now,
        properties: { test: "true", name: "Test Lead", phone: "+70000000000" },
      },
    },
  });
  return { deliveryId, delivered: result.ok, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs, responseBody: result.responseBody };
}
