import { z } from "zod";
import { MAX_ID_LENGTH, MAX_SOURCE_FIELD_LENGTH } from "@chatfunnel/contract";
import { ChannelSchema, CurrencySchema, textSchema } from "../event.js";
import { MoneySchema } from "./common.js";
import { DeliverTargetSchema, DeliverTargetViewSchema } from "./notify.js";
import { OverviewFiguresSchema } from "./overview.js";
import { ProjectLanguageSchema } from "./project.js";

/**
 * Daily and weekly digests (DESIGN.md "Alerts, digests and lead export"): the overview's headline figures
 * of the last full day or ISO week in the project's zone, their change against the period before, the best
 * and worst channel by CPL and a chart, sent to a Telegram chat (or a webhook) in the project's language.
 */
export const MAX_DIGESTS_PER_PROJECT = 20;
export const MAX_DIGEST_NAME_LENGTH = 200;

export const DIGEST_SCHEDULES = ["daily", "weekly"] as const;
export const DigestScheduleSchema = z.enum(DIGEST_SCHEDULES);
export type DigestSchedule = z.infer<typeof DigestScheduleSchema>;

/** The common filters of every report, without the range (the digest's period is the range). */
export const DigestFiltersSchema = z.strictObject({
  channel: z.array(ChannelSchema).min(1).max(16).optional(),
  botId: z.string().min(1).max(MAX_ID_LENGTH).optional(),
  campaign: z.string().min(1).max(MAX_SOURCE_FIELD_LENGTH).optional(),
  currency: CurrencySchema.optional(),
});
export type DigestFilters = z.infer<typeof DigestFiltersSchema>;

export const DigestCreateBodySchema = z.strictObject({
  /** Shown as the digest's headline; "Daily digest" / "Ежедневная сводка" (by language) when left out. */
  name: textSchema(MAX_DIGEST_NAME_LENGTH, 1).optional(),
  schedule: DigestScheduleSchema,
  deliver: DeliverTargetSchema,
  filters: DigestFiltersSchema.optional(),
});
export type DigestCreateBody = z.infer<typeof DigestCreateBodySchema>;

/** A period as local dates in `tz`: `from` is its first day, `to` the day after its last ([from, to)). */
export const DigestPeriodSchema = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  tz: z.string(),
  /** The same bounds as UTC instants, as the overview's `range` answers them. */
  fromUtc: z.string(),
  toUtc: z.string(),
});
export type DigestPeriod = z.infer<typeof DigestPeriodSchema>;

export const DigestSendStateSchema = z.enum(["claimed", "sent", "failed"]);
export type DigestSendState = z.infer<typeof DigestSendStateSchema>;
export const DigestTriggerSchema = z.enum(["schedule", "manual"]);
export type DigestTrigger = z.infer<typeof DigestTriggerSchema>;

/** One Bot API call or webhook POST of a send. */
export const DigestDeliveryAttemptSchema = z.object({
  method: z.enum(["sendPhoto", "sendMessage", "webhook"]),
  ok: z.boolean(),
  /** null when no answer came (refused, timed out). */
  statusCode: z.number().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
});
export type DigestDeliveryAttempt = z.infer<typeof DigestDeliveryAttemptSchema>;

/** The last send of a digest, as the list shows it. */
export const DigestLastSendSchema = z.object({
  at: z.string(),
  trigger: DigestTriggerSchema,
  periodFrom: z.iso.date(),
  periodTo: z.iso.date(),
  /** claimed: the scheduler took the period and stopped before it recorded the outcome (at most once: not sent again). */
  state: DigestSendStateSchema,
  error: z.string().nullable(),
});

export const DigestSchema = z.object({
  id: z.string(),
  name: z.string(),
  schedule: DigestScheduleSchema,
  deliver: DeliverTargetViewSchema,
  filters: DigestFiltersSchema,
  createdAt: z.string(),
  lastSend: DigestLastSendSchema.nullable(),
  /** When the scheduler sends the next period (09:00 in the project's zone after the period ends). */
  nextSendAt: z.string(),
});
export type Digest = z.infer<typeof DigestSchema>;

export const DigestsResponseSchema = z.object({ digests: z.array(DigestSchema) });
export type DigestsResponse = z.infer<typeof DigestsResponseSchema>;

/** A channel as the digest ranks it by CPL (channels with both spend and leads). */
export const DigestChannelSchema = z.object({ channel: ChannelSchema, cpl: MoneySchema, spend: MoneySchema, leads: z.number().int() });
export type DigestChannel = z.infer<typeof DigestChannelSchema>;

/**
 * Change against the period before: a fraction (0.25 = +25 %) for counts, money and ROAS, null when the
 * period before had 0 (or no value); for the resolution rate the difference of the two rates (0.05 = +5 pp).
 */
export const DigestChangesSchema = z.record(z.string(), z.number().nullable());

export const DigestContentSchema = z.object({
  schedule: DigestScheduleSchema,
  language: ProjectLanguageSchema,
  name: z.string(),
  period: DigestPeriodSchema,
  previousPeriod: DigestPeriodSchema,
  /** Exactly the overview's `current` for the period, and for the period before. */
  current: OverviewFiguresSchema,
  previous: OverviewFiguresSchema,
  changes: DigestChangesSchema,
  /** The reported currency (as the overview and channels chose it). */
  currency: z.string(),
  /** Lowest and highest CPL among channels with spend and leads; worst is null with fewer than two such channels. */
  bestChannel: DigestChannelSchema.nullable(),
  worstChannel: DigestChannelSchema.nullable(),
  /** Channels that spent and got no lead: no CPL, named apart. Channels without spend are not ranked. */
  spendWithoutLeads: z.array(z.object({ channel: ChannelSchema, spend: MoneySchema })),
  /** The chart's data: leads per local day of the 7 days ending with the period, and of the 7 before. */
  chart: z.object({ days: z.array(z.iso.date()), leads: z.array(z.number()), previousLeads: z.array(z.number()) }),
});
export type DigestContent = z.infer<typeof DigestContentSchema>;

export const DigestSendResultSchema = z.object({
  digestId: z.string(),
  trigger: DigestTriggerSchema,
  sentAt: z.string(),
  /** Every call succeeded. A refusal (a wrong chat, a revoked token) is answered here and recorded, not thrown. */
  ok: z.boolean(),
  error: z.string().nullable(),
  deliveries: z.array(DigestDeliveryAttemptSchema),
  text: z.string(),
  content: DigestContentSchema,
  image: z.object({ mediaType: z.literal("image/png"), width: z.number().int(), height: z.number().int(), bytes: z.number().int() }),
});
export type DigestSendResult = z.infer<typeof DigestSendResultSchema>;
