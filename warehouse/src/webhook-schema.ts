/**
 * The webhook tables (migration 13), shared by the migration that builds them and the store that reads
 * and writes them (warehouse/src/webhook-store.ts). Dependency-free on purpose, like rollup-schema.ts.
 */
export const WEBHOOK_TABLES = {
  /** One row per change of a webhook (create, disable, delete), the latest version wins (FINAL). */
  webhooks: "webhooks",
  /**
   * One row per (webhook, stored event of its types), written by the view `webhook_outbox_mv` inside
   * the events insert itself, so an acknowledged event always has its deliveries stored.
   */
  outbox: "webhook_outbox",
  /** One row per delivery attempt with the state it left the delivery in: the log, and what a restart resumes from. */
  attempts: "webhook_attempts",
} as const;

/**
 * The Buffer table in front of the outbox (migration 26): the view writes here, and the engine flushes it into the
 * outbox every WEBHOOK_OUTBOX_FLUSH_S, so the outbox gets one part a second instead of one per events insert that
 * holds a lead (that part, beside the events and the rollups, was most of what webhooks cost ingest). Every read of
 * the outbox goes through it (a read of a Buffer reads the buffered rows and the table, by the table's projection),
 * so a stored lead is seen at once. Rows still buffered when the process dies are re-derived from the events at the
 * next start (rederiveOutbox in webhook-store.ts); a clean stop and a person's deletion flush it first.
 */
export const WEBHOOK_OUTBOX_BUFFER = "webhook_outbox_buffer";
/** Seconds a buffered outbox row waits at most before the engine writes it into the outbox. */
export const WEBHOOK_OUTBOX_FLUSH_S = 1;

/** The outbox's whole rows sorted by enqueue time (migration 24), which the scheduler's poll reads: outboxSince and outboxDeliveries. */
export const WEBHOOK_OUTBOX_BY_ENQUEUE = "by_enqueue_rows";
/** Migration 23's projection of (delivery_id, enqueued_at) alone, which migration 24 replaces. */
export const WEBHOOK_OUTBOX_BY_ENQUEUE_V23 = "by_enqueue";

/** How long deliveries and their log are kept. */
export const WEBHOOK_LOG_DAYS = 30;

/** The state an attempt leaves its delivery in. */
export const WEBHOOK_ATTEMPT_STATES = ["retrying", "delivered", "failed"] as const;
export type WebhookAttemptState = (typeof WEBHOOK_ATTEMPT_STATES)[number];
