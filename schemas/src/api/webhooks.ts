import { z } from "zod";
import { EventTypeSchema } from "../event.js";
import { ExplorerEventSchema } from "./events.js";

/** A project's webhooks are few: the events insert joins against all of them (warehouse/src/webhook-schema.ts). */
export const MAX_WEBHOOKS_PER_PROJECT = 20;
export const MAX_WEBHOOK_EVENT_TYPES = 32;
export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MIN_WEBHOOK_SECRET_LENGTH = 16;
export const MAX_WEBHOOK_SECRET_LENGTH = 256;
/** The delivery log answers at most this many deliveries, newest first. */
export const WEBHOOK_DELIVERIES_MAX_LIMIT = 500;
export const WEBHOOK_DELIVERIES_DEFAULT_LIMIT = 100;

/** The header carrying `sha256=<hex HMAC-SHA256 of the raw body with the webhook's secret>`. */
export const WEBHOOK_SIGNATURE_HEADER = "X-Chatfunnel-Signature";

/** Only http and https: a CRM's incoming webhook is one of them; anything else is refused naming `url`. */
export const WebhookUrlSchema = z
  .string()
  .max(MAX_WEBHOOK_URL_LENGTH)
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL");

export const WebhookCreateBodySchema = z.strictObject({
  url: WebhookUrlSchema,
  /** The event types delivered, e.g. ["lead"]; custom types allowed. */
  events: z
    .array(EventTypeSchema)
    .min(1, "must list at least one event type")
    .max(MAX_WEBHOOK_EVENT_TYPES)
    .transform((types) => [...new Set(types)]),
  /** Generated when left out; answered once, at creation. */
  secret: z.string().min(MIN_WEBHOOK_SECRET_LENGTH).max(MAX_WEBHOOK_SECRET_LENGTH).optional(),
});
export type WebhookCreateBody = z.infer<typeof WebhookCreateBodySchema>;

export const WebhookStatusSchema = z.enum(["active", "disabled"]);
export const WebhookDeliveryStateSchema = z.enum(["pending", "retrying", "delivered", "failed"]);
export type WebhookDeliveryState = z.infer<typeof WebhookDeliveryStateSchema>;

/** The last attempt of any delivery of a webhook, as the list shows it. */
export const WebhookLastDeliverySchema = z.object({
  deliveryId: z.string(),
  at: z.string(),
  state: WebhookDeliveryStateSchema,
  /** The receiver's HTTP status; null when it did not answer (refused, timed out). */
  statusCode: z.number().nullable(),
  error: z.string().nullable(),
});

export const WebhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  createdAt: z.string(),
  status: WebhookStatusSchema,
  /** Why it was disabled (repeated failures), null while active. */
  disabledReason: z.string().nullable(),
  disabledAt: z.string().nullable(),
  lastDelivery: WebhookLastDeliverySchema.nullable(),
});
export type Webhook = z.infer<typeof WebhookSchema>;

/** 201: the webhook and its secret, which no later answer repeats. */
export const WebhookCreatedSchema = WebhookSchema.extend({ secret: z.string() });
export type WebhookCreated = z.infer<typeof WebhookCreatedSchema>;

export const WebhooksResponseSchema = z.object({ webhooks: z.array(WebhookSchema) });
export type WebhooksResponse = z.infer<typeof WebhooksResponseSchema>;

/** What a receiver gets: the body that is signed, exactly as sent. */
export const WebhookPayloadSchema = z.object({
  /** Stable across retries and resends of the event: a receiver dedups on it (or on event.id). */
  deliveryId: z.string(),
  event: ExplorerEventSchema,
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

export const WebhookAttemptSchema = z.object({
  attempt: z.number(),
  at: z.string(),
  statusCode: z.number().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
});

export const WebhookDeliverySchema = z.object({
  deliveryId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  state: WebhookDeliveryStateSchema,
  attempts: z.number(),
  /** When the event was stored (the delivery was queued). */
  enqueuedAt: z.string(),
  lastAttemptAt: z.string(),
  /** The next retry for a delivery still retrying; null otherwise. */
  nextAttemptAt: z.string().nullable(),
  /** Every attempt, newest first. */
  log: z.array(WebhookAttemptSchema),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const WebhookDeliveriesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(WEBHOOK_DELIVERIES_MAX_LIMIT).default(WEBHOOK_DELIVERIES_DEFAULT_LIMIT),
});
export const WebhookDeliveriesResponseSchema = z.object({ deliveries: z.array(WebhookDeliverySchema) });
export type WebhookDeliveriesResponse = z.infer<typeof WebhookDeliveriesResponseSchema>;

/** POST /webhooks/{id}/test: one sample delivery sent now, and what the receiver said. */
export const WebhookTestResultSchema = z.object({
  deliveryId: z.string(),
  delivered: z.boolean(),
  statusCode: z.number().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
  /** The start of the receiver's answer (at most 1 KiB), for debugging a CRM's refusal. */
  responseBody: z.string().nullable(),
});
export type WebhookTestResult = z.infer<typeof WebhookTestResultSchema>;
