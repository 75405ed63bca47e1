import { z } from "zod";
import type { Logger, Storage } from "@chatfunnel/core";
import { DigestScheduleSchema, DigestTriggerSchema, type DigestSchedule } from "@chatfunnel/schemas";
import { findDigest, recordDigestSend, type OutboxEntry } from "@chatfunnel/warehouse";
import { TelegramOutbox, type OutboxOwner, type TelegramRetryPolicy } from "../notify/telegram-outbox.js";
import type { DigestDeliveryConfig } from "./deliver-digest.js";
import { nextSendTimeMs } from "./periods.js";

/**
 * How long a scheduled digest is retried through a Bot API outage: until the next period's send time (daily: the
 * next 09:00, weekly: the next Monday 09:00), when the next digest carries the newer figures (README "Decisions").
 * Measured from the moment of the first attempt, on the scheduler's clock.
 */
export function digestRetryForMs(schedule: DigestSchedule, nowMs: number, tz: string): number {
  return nextSendTimeMs(schedule, nowMs, tz) - nowMs;
}

/**
 * The send log fields a waiting digest keeps, to record its outcome for the same period, and its schedule for the
 * sends counter (absent in sends stored before it was kept: a 7-day period is weekly).
 */
const DigestSendContextSchema = z.object({ trigger: DigestTriggerSchema, periodFrom: z.iso.date(), periodTo: z.iso.date(), schedule: DigestScheduleSchema.optional() });
export type DigestSendContext = z.infer<typeof DigestSendContextSchema>;

const contextOf = (entry: OutboxEntry): DigestSendContext => DigestSendContextSchema.parse(JSON.parse(entry.context));

function scheduleOf(context: DigestSendContext): DigestSchedule {
  return context.schedule ?? (Date.parse(context.periodTo) - Date.parse(context.periodFrom) >= 7 * 86_400_000 ? "weekly" : "daily");
}

/** A digest send the retry queue settled (sent or failed): its final outcome, after one or more retries. */
export type DigestRetrySettled = (outcome: { schedule: DigestSchedule; state: "sent" | "failed" }) => void;

/** What the send log says of a digest waiting for a retry (its state stays `claimed`: the period is taken). */
export const digestWaitingText = (entry: Pick<OutboxEntry, "attempts" | "lastError" | "nextAttemptMs">): string =>
  `retrying: attempt ${entry.attempts} failed (${entry.lastError}); next at ${new Date(entry.nextAttemptMs).toISOString()}`;

function digestOwner(storage: Storage, onSettled?: DigestRetrySettled): OutboxOwner {
  const log = (entry: OutboxEntry, state: "claimed" | "sent" | "failed", error: string | null, deliveries: unknown[]) => {
    const { schedule: _schedule, ...context } = contextOf(entry);
    return recordDigestSend(storage, { projectId: entry.projectId, digestId: entry.ownerId, ...context, state, at: new Date().toISOString(), error, deliveries: JSON.stringify(deliveries) });
  };
  return {
    target: async (entry) => (await findDigest(storage, entry.projectId, entry.ownerId))?.deliver.telegram,
    settle: async (entry, settlement) => {
      await log(entry, settlement.state, settlement.error, settlement.attempts);
      onSettled?.({ schedule: scheduleOf(contextOf(entry)), state: settlement.state });
    },
    waiting: (entry) => log(entry, "claimed", digestWaitingText(entry), []),
  };
}

export function createDigestOutbox(storage: Storage, config: DigestDeliveryConfig, logger: Logger, policy?: TelegramRetryPolicy, onSettled?: DigestRetrySettled): TelegramOutbox {
  return new TelegramOutbox(storage, config, logger, "digest", digestOwner(storage, onSettled), policy);
}
