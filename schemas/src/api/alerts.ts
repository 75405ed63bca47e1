import { z } from "zod";
import { MAX_ID_LENGTH, MAX_SOURCE_FIELD_LENGTH } from "@chatfunnel/contract";
import { ChannelSchema, CurrencySchema } from "../event.js";
import { DeliverTargetSchema, DeliverTargetViewSchema } from "./notify.js";
import { OverviewFiguresSchema } from "./overview.js";

/**
 * Alerts (issue 16 part 2; DESIGN.md "Alerts, digests and lead export"): an overview figure or a saved funnel's
 * conversion, compared after each hour or day with a threshold or with the period before, sent to Telegram or a
 * webhook. The exact definitions (which period, the % change, a previous period of 0) are in the README's "Alerts".
 */

export const MAX_ALERTS_PER_PROJECT = 100;
export const MAX_ALERT_NAME_LENGTH = 200;
export const ALERT_HISTORY_MAX_LIMIT = 500;
export const ALERT_HISTORY_DEFAULT_LIMIT = 100;

/** The overview figures an alert can watch: exactly the keys of the overview's answer, one list. */
export const ALERT_OVERVIEW_METRICS = OverviewFiguresSchema.keyof().options;
export type AlertOverviewMetric = (typeof ALERT_OVERVIEW_METRICS)[number];

/** `funnel:<saved funnel id>`: the saved funnel's conversion from its first step to its last. */
export const FUNNEL_METRIC_PREFIX = "funnel:";
const FUNNEL_METRIC = /^funnel:[A-Za-z0-9_-]{1,64}$/;

export const AlertMetricSchema = z
  .string()
  .refine(
    (metric) => (ALERT_OVERVIEW_METRICS as readonly string[]).includes(metric) || FUNNEL_METRIC.test(metric),
    `must be an overview figure (${ALERT_OVERVIEW_METRICS.join(", ")}) or funnel:<saved funnel id>`,
  );

/** The saved funnel's id of a `funnel:<id>` metric; undefined for an overview figure. */
export const alertFunnelId = (metric: string): string | undefined => (metric.startsWith(FUNNEL_METRIC_PREFIX) ? metric.slice(FUNNEL_METRIC_PREFIX.length) : undefined);

export const ALERT_OPS = ["below", "above", "drops_by_pct", "rises_by_pct"] as const;
export type AlertOp = (typeof ALERT_OPS)[number];
/** The ops comparing the period with the one before it; `value` is then a percentage (20 = 20 %). */
export const PERCENT_ALERT_OPS: readonly AlertOp[] = ["drops_by_pct", "rises_by_pct"];

export const AlertConditionSchema = z
  .strictObject({
    op: z.enum(ALERT_OPS),
    /** below/above: the figure itself (money in its currency; rates as fractions 0..1); % ops: percent > 0. */
    value: z.number().finite(),
  })
  .superRefine((condition, ctx) => {
    if (PERCENT_ALERT_OPS.includes(condition.op) && !(condition.value > 0 && condition.value <= 1_000_000)) {
      ctx.addIssue({ code: "custom", path: ["value"], message: `must be a percentage above 0 (at most 1000000) for ${condition.op}` });
    }
  });
export type AlertCondition = z.infer<typeof AlertConditionSchema>;

export const ALERT_SCHEDULES = ["hourly", "daily"] as const;
export const AlertScheduleSchema = z.enum(ALERT_SCHEDULES);
export type AlertSchedule = z.infer<typeof AlertScheduleSchema>;

/** The common filters of GET /api/v1/overview (CPL by channel or by campaign, say), applied to the figure watched. */
export const AlertFiltersSchema = z.strictObject({
  channel: z.array(ChannelSchema).min(1).optional(),
  botId: z.string().min(1).max(MAX_ID_LENGTH).optional(),
  campaign: z.string().min(1).max(MAX_SOURCE_FIELD_LENGTH).optional(),
  /** The currency money figures are read in; default the one with the most revenue + spend in the period. */
  currency: CurrencySchema.optional(),
});
export type AlertFilters = z.infer<typeof AlertFiltersSchema>;

export const AlertCreateBodySchema = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(MAX_ALERT_NAME_LENGTH),
  metric: AlertMetricSchema,
  filters: AlertFiltersSchema.optional(),
  condition: AlertConditionSchema,
  schedule: AlertScheduleSchema,
  deliver: DeliverTargetSchema,
});
export type AlertCreateBody = z.infer<typeof AlertCreateBodySchema>;

/** PATCH: only the fields given change; the target stays (delete and create an alert for another one). */
export const AlertPatchBodySchema = AlertCreateBodySchema.omit({ deliver: true })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, "must change at least one of name, metric, filters, condition, schedule");
export type AlertPatchBody = z.infer<typeof AlertPatchBodySchema>;

export const AlertPeriodSchema = z.object({ from: z.string(), to: z.string() });

export const AlertDeliveryStateSchema = z.enum(["sending", "sent", "failed"]);
export type AlertDeliveryState = z.infer<typeof AlertDeliveryStateSchema>;

/** What sending a fired alert came to. `sending` stays only when the process stopped mid-send (not resent). */
export const AlertDeliverySchema = z.object({
  state: AlertDeliveryStateSchema,
  /** The Bot API's or the receiver's HTTP status; null without an answer. */
  statusCode: z.number().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
});
export type AlertDelivery = z.infer<typeof AlertDeliverySchema>;

/** One evaluation: by the scheduler, or by POST /alerts/{id}/check. */
export const AlertRunSchema = z.object({
  runId: z.string(),
  trigger: z.enum(["schedule", "check"]),
  evaluatedAt: z.string(),
  tz: z.string(),
  /** The last full hour or day in the project's zone: [from, to). */
  period: AlertPeriodSchema,
  /** The hour or day before it. */
  previousPeriod: AlertPeriodSchema,
  /** The figure in the period; null when it has none (a CPL without leads, a funnel nobody entered). */
  value: z.number().nullable(),
  previousValue: z.number().nullable(),
  /** (value − previous) × 100 / previous; null when either is null or previous is 0. */
  changePct: z.number().nullable(),
  /** The currency of a money figure; null for counts and rates. */
  currency: z.string().nullable(),
  fired: z.boolean(),
  /** Why it fired or not, in words ("leads 3 is below 10", "the previous period is 0: no % change"). */
  reason: z.string(),
  /** null when it did not fire (nothing is sent). */
  delivery: AlertDeliverySchema.nullable(),
});
export type AlertRun = z.infer<typeof AlertRunSchema>;

export const AlertSchema = z.object({
  id: z.string(),
  name: z.string(),
  metric: z.string(),
  filters: AlertFiltersSchema,
  condition: z.object({ op: z.enum(ALERT_OPS), value: z.number() }),
  schedule: AlertScheduleSchema,
  /** The target without the bot token's secret. */
  deliver: DeliverTargetViewSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The latest evaluation (either trigger), null before the first. */
  lastRun: AlertRunSchema.nullable(),
});
export type Alert = z.infer<typeof AlertSchema>;

/** 201: with a webhook target, the secret its POSTs are signed with (X-Chatfunnel-Signature), answered only here. */
export const AlertCreatedSchema = AlertSchema.extend({ webhookSecret: z.string().nullable() });
export type AlertCreated = z.infer<typeof AlertCreatedSchema>;

export const AlertsResponseSchema = z.object({ alerts: z.array(AlertSchema) });
export type AlertsResponse = z.infer<typeof AlertsResponseSchema>;

export const AlertHistoryQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(ALERT_HISTORY_MAX_LIMIT).default(ALERT_HISTORY_DEFAULT_LIMIT),
});
/** The evaluations that fired, newest first, with their delivery outcome. */
export const AlertHistoryResponseSchema = z.object({ runs: z.array(AlertRunSchema) });
export type AlertHistoryResponse = z.infer<typeof AlertHistoryResponseSchema>;

/** What a webhook target receives when an alert fires: this body, signed like lead webhooks. */
export const AlertWebhookPayloadSchema = z.object({
  /** The run's id: the same if it is ever sent again; a receiver dedups on it. */
  deliveryId: z.string(),
  alert: z.object({ id: z.string(), name: z.string(), metric: z.string(), condition: z.object({ op: z.enum(ALERT_OPS), value: z.number() }), schedule: AlertScheduleSchema }),
  run: AlertRunSchema.omit({ delivery: true }),
  /** The same text a Telegram target gets. */
  text: z.string(),
});
export type AlertWebhookPayload = z.infer<typeof AlertWebhookPayloadSchema>;
