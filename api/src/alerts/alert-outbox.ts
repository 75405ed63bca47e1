import { z } from "zod";
import type { Logger, Storage } from "@chatfunnel/core";
import { loadConfig } from "@chatfunnel/schemas";
import { findAlert, recordAlertRun, type AlertRunRecord } from "@chatfunnel/warehouse";
import { TelegramOutbox, type OutboxOwner, type TelegramRetryPolicy } from "../notify/telegram-outbox.js";
import type { OutboxEntry } from "@chatfunnel/warehouse";
import type { AlertDeliveryConfig } from "./deliver-alert.js";

/**
 * How long a scheduled alert's Telegram message is retried through a Bot API outage by default
 * (TELEGRAM_ALERT_RETRY_FOR_MS): an hour from its first attempt. An hourly alert's next evaluation brings fresh news
 * by then, and a daily alert an hour late still arrives on the day it is about (README "Decisions").
 */
export const ALERT_TELEGRAM_RETRY_FOR_MS = loadConfig({}).TELEGRAM_ALERT_RETRY_FOR_MS;

/** The run as the waiting send keeps it, to record its outcome under the same run id. */
const AlertRunContextSchema = z.object({
  projectId: z.string(),
  alertId: z.string(),
  runId: z.string(),
  trigger: z.enum(["schedule", "check"]),
  evaluatedAtMs: z.number(),
  tz: z.string(),
  periodStartMs: z.number(),
  periodEndMs: z.number(),
  previousStartMs: z.number(),
  value: z.number().nullable(),
  previousValue: z.number().nullable(),
  changePct: z.number().nullable(),
  currency: z.string().nullable(),
  fired: z.boolean(),
  reason: z.string(),
  deliveryState: z.enum(["none", "sending", "sent", "failed"]),
  statusCode: z.number(),
  deliveryError: z.string(),
  durationMs: z.number(),
}) satisfies z.ZodType<AlertRunRecord>;

const runOf = (entry: OutboxEntry): AlertRunRecord => AlertRunContextSchema.parse(JSON.parse(entry.context));

/** What a run waiting for a retry says in its delivery error (its state stays `sending`). */
export const waitingText = (entry: Pick<OutboxEntry, "attempts" | "lastError" | "nextAttemptMs">): string =>
  `retrying: attempt ${entry.attempts} failed (${entry.lastError}); next at ${new Date(entry.nextAttemptMs).toISOString()}`;

function alertOwner(storage: Storage): OutboxOwner {
  return {
    target: async (entry) => (await findAlert(storage, entry.projectId, entry.ownerId))?.deliver.telegram,
    settle: async (entry, settlement) =>
      recordAlertRun(storage, { ...runOf(entry), deliveryState: settlement.state, statusCode: settlement.statusCode ?? 0, deliveryError: settlement.error ?? "", durationMs: settlement.durationMs }),
    waiting: async (entry) => recordAlertRun(storage, { ...runOf(entry), deliveryState: "sending", statusCode: entry.lastStatus ?? 0, deliveryError: waitingText(entry) }),
  };
}

/** The retry queue of scheduled alerts' Telegram messages, and how long each is retried. */
export interface AlertRetries {
  outbox: TelegramOutbox;
  retryForMs: number;
}

export function createAlertRetries(storage: Storage, config: AlertDeliveryConfig, logger: Logger, policy?: TelegramRetryPolicy, retryForMs = ALERT_TELEGRAM_RETRY_FOR_MS): AlertRetries {
  return { outbox: new TelegramOutbox(storage, config, logger, "alert", alertOwner(storage), policy), retryForMs };
}
