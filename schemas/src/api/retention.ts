import { z } from "zod";
import {
  BOT_SIDE_EVENT_TYPES,
  DEFAULT_RETENTION_INTERVAL,
  DEFAULT_RETENTION_PERIODS,
  DEFAULT_RETENTION_USERS_LIMIT,
  MAX_RETENTION_PERIODS,
  MAX_RETENTION_USERS_LIMIT,
  MAX_SOURCE_FIELD_LENGTH,
  RETENTION_BREAKDOWNS,
  RETENTION_COHORTS,
  RETURN_ANY,
} from "@chatfunnel/contract";
import { ChannelSchema, EventTypeSchema } from "../event.js";
import { CommonQuerySchema, OtherCurrencySchema, RangeEchoSchema, RateSchema } from "./common.js";
import { IntervalSchema } from "./timeseries.js";

/** The events return=any leaves out, as the definitions and openapi name them. */
const BOT_SIDE_LIST = BOT_SIDE_EVENT_TYPES.map((type) => `\`${type}\``).join(", ");

/**
 * Retention cohorts, LTV, CAC and payback. The definitions, which tests/reference/retention.ts follows
 * literally (README "Retention"); also the answer's description in openapi.json.
 */
export const RETENTION_SEMANTICS = [
  "- A user is (channel, userId). Events in scope: the common filters (the campaign filter is first touch, as everywhere), a resend counted once.",
  "- Cohort event: the user's earliest event in scope ever (cohort=first_seen), earliest `lead` (first_lead) or earliest `order` (first_order), over all the user's events at any time, not only the range. first_seen takes an event of any type, the bot-side ones included (the same first seen as overview's new users): a user whose first event is a broadcast delivery joins the cohort then. The user is in a cohort when that timestamp is in [from, to); the cohort is the `interval` bucket containing it (local dates in `tz`, weeks from Monday, months from the 1st; a DST day lasts 23 or 25 hours). The first bucket may start before `from`: it is still named by its calendar start.",
  "- Breakdown group: channel; campaign or source = first touch (the `source.campaign` / `source.source` of the user's earliest event that has one). null = users without a value.",
  `- Period p (0 ≤ p < periods) of a cohort is the p-th calendar bucket from the cohort's own bucket (p = 0). A user is retained in period p when they have a return event at or after their cohort event, inside period p and before \`to\`. A return event with return=any is any event the user did: every type but the bot-side ones the bot or a broadcast does to the user (${BOT_SIDE_LIST}), so a delivered broadcast does not return a user and a read or clicked one does; with return=<type>, an event of that type, whatever it is (a bot-side type named is counted as asked). A period starting at or after \`to\` is not observed (users, share, revenuePerUser null); a period ending after \`to\` is observed but not complete.`,
  "- share = retained users / cohort size.",
  "- revenuePerUser (LTV) of period p = the revenue (order and payment amounts in `currency`) of the cohort's users from their cohort event (inclusive) to the end of period p or `to`, whichever is earlier, over the cohort size. Cumulative, so it never falls.",
  "- cac = spend in `currency` of the rows dated (local days) in the cohort's bucket — with breakdown=campaign the rows of the group's campaign (the null group: rows without one), with breakdown=channel those of the group's channel, without breakdown all spend in scope — over the cohort size. null with breakdown=source and when that spend is 0 (none, or only in other currencies). The spend of a bucket clipped by the range is that of its days inside the range.",
  "- paybackPeriod = the smallest observed period whose revenuePerUser ≥ cac, compared exactly (cumulative revenue ≥ spend), before rounding; null without cac or when no observed period reaches it.",
  "- groups: per group, its cohorts added up: size = all their users; per period, users and revenue summed over the cohorts that observed that period, share and revenuePerUser over the sizes of those cohorts; cac = the group's spend on every day of the range (also days of buckets where it got no users) over its size, null as above; paybackPeriod from those figures, over the observed periods.",
  "- Money: one currency per answer, `currency=` or the one with the largest revenue + spend in range; other currencies are listed under otherCurrencies (range totals), never converted.",
].join("\n");

// The choices and bounds are plain contract/ (the dashboard offers them without zod).
export {
  DEFAULT_RETENTION_INTERVAL,
  DEFAULT_RETENTION_PERIODS,
  DEFAULT_RETENTION_USERS_LIMIT,
  MAX_RETENTION_COHORTS,
  MAX_RETENTION_GROUPS,
  MAX_RETENTION_PERIODS,
  MAX_RETENTION_USERS_LIMIT,
  RETENTION_BREAKDOWNS,
  RETENTION_COHORTS,
  RETURN_ANY,
} from "@chatfunnel/contract";

export const RetentionCohortSchema = z.enum(RETENTION_COHORTS);
export type RetentionCohort = z.infer<typeof RetentionCohortSchema>;

export const RetentionBreakdownSchema = z.enum(RETENTION_BREAKDOWNS);
export type RetentionBreakdown = z.infer<typeof RetentionBreakdownSchema>;

/** GET /api/v1/retention: the common filters plus the cohort definition. */
export const RetentionQuerySchema = CommonQuerySchema.extend({
  interval: IntervalSchema.default(DEFAULT_RETENTION_INTERVAL).meta({ description: "Cohort and period buckets: day, week (from Monday) or month, in tz" }),
  periods: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_RETENTION_PERIODS)
    .default(DEFAULT_RETENTION_PERIODS)
    .meta({ description: `Periods per cohort, 1 to ${MAX_RETENTION_PERIODS}; period 0 is the cohort's own bucket` }),
  cohort: RetentionCohortSchema.default("first_seen").meta({ description: "The cohort event: the user's earliest event (of any type, a broadcast delivery too), lead or order ever" }),
  return: EventTypeSchema.default(RETURN_ANY).meta({ description: `What returns a user: \`any\` event the user did (every type but ${BOT_SIDE_LIST}), or an event type (e.g. order), counted as named` }),
  breakdown: RetentionBreakdownSchema.optional().meta({ description: "One dimension: channel, or the first-touch campaign or source" }),
});
export type RetentionQuery = z.infer<typeof RetentionQuerySchema>;

/** One period of one cohort. */
export const RetentionCellSchema = z.object({
  period: z.number().int().nonnegative(),
  /** False when the period starts at or after `to`: nothing of it is seen yet. */
  observed: z.boolean().meta({ description: "false when the period starts at or after `to` (its figures are null)" }),
  /** True when the period ends at or before `to`. */
  complete: z.boolean().meta({ description: "true when the period ends at or before `to`" }),
  /** Retained users; null when not observed. */
  users: z.number().int().nonnegative().nullable(),
  share: RateSchema,
  /** Cumulative revenue per cohort user to the end of this period (or `to`), in `currency`; null when not observed. */
  revenuePerUser: z
    .number()
    .nonnegative()
    .nullable()
    .meta({ description: "LTV: revenue in `currency` of the cohort's users from their cohort event to the end of this period or `to`, over the cohort size" }),
});
export type RetentionCell = z.infer<typeof RetentionCellSchema>;

export const RetentionCohortRowSchema = z.object({
  /** The local date (in tz) the cohort's bucket starts on: the day, the Monday, the 1st. */
  start: z.iso.date(),
  /** The breakdown value; null without breakdown and for users without a value. */
  group: z.string().nullable(),
  size: z.number().int().positive(),
  /** Spend per cohort user in `currency`; see the definitions. */
  cac: z
    .number()
    .nonnegative()
    .nullable()
    .meta({ description: "Spend in `currency` on the days of the cohort's bucket matching its group (campaign or channel; all without breakdown) over its size; null by source or without such spend" }),
  paybackPeriod: z.number().int().nonnegative().nullable().meta({ description: "The first observed period whose revenuePerUser ≥ cac; null without cac or before it is reached" }),
  /** Always `periods` cells, in order. */
  cells: z.array(RetentionCellSchema),
});
export type RetentionCohortRow = z.infer<typeof RetentionCohortRowSchema>;

export const RetentionGroupCellSchema = z.object({
  period: z.number().int().nonnegative(),
  /** Retained users summed over the group's cohorts that observed this period; null when none did. */
  users: z.number().int().nonnegative().nullable(),
  /** Over the sizes of the cohorts that observed this period. */
  share: RateSchema,
  revenuePerUser: z.number().nonnegative().nullable(),
});
export type RetentionGroupCell = z.infer<typeof RetentionGroupCellSchema>;

export const RetentionGroupSchema = z.object({
  group: z.string().nullable(),
  size: z.number().int().positive(),
  cac: z.number().nonnegative().nullable(),
  paybackPeriod: z.number().int().nonnegative().nullable(),
  cells: z.array(RetentionGroupCellSchema),
});
export type RetentionGroup = z.infer<typeof RetentionGroupSchema>;

export const RetentionResponseSchema = z
  .object({
    range: RangeEchoSchema,
    interval: IntervalSchema,
    periods: z.number().int().min(1).max(MAX_RETENTION_PERIODS),
    cohort: RetentionCohortSchema,
    return: z.string(),
    breakdown: RetentionBreakdownSchema.nullable(),
    /** The currency of every revenuePerUser and cac. */
    currency: z.string(),
    /** Revenue and spend in range in other currencies, not converted (as overview lists them). */
    otherCurrencies: z.array(OtherCurrencySchema),
    /** Non-empty cohorts by start, then largest first, then by group (null last). */
    cohorts: z.array(RetentionCohortRowSchema),
    /** One per group (one, null, without breakdown), largest first, then by group (null last). */
    groups: z.array(RetentionGroupSchema),
    /** True when groups beyond MAX_RETENTION_GROUPS (and their cohorts) were left out. */
    groupsTruncated: z.boolean(),
  })
  .meta({ description: RETENTION_SEMANTICS });
export type RetentionResponse = z.infer<typeof RetentionResponseSchema>;

/**
 * GET /api/v1/retention/users: the retained users of one cell. `group` omitted: every group of that cohort
 * start (the cohort without breakdown); `group=` (empty): the users without a value; else the value.
 */
export const RetentionUsersQuerySchema = RetentionQuerySchema.extend({
  cohortStart: z.iso.date().meta({ description: "The cohort's start as the answer gives it (a bucket start in tz within the range)" }),
  period: z.coerce.number().int().min(0).meta({ description: "0 ≤ period < periods" }),
  group: z.string().max(MAX_SOURCE_FIELD_LENGTH).optional().meta({ description: "The breakdown value; empty for users without one; omitted for all of the cohort start" }),
  format: z.enum(["json", "csv"]).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_RETENTION_USERS_LIMIT).default(DEFAULT_RETENTION_USERS_LIMIT),
  offset: z.coerce.number().int().min(0).default(0),
});
export type RetentionUsersQuery = z.infer<typeof RetentionUsersQuerySchema>;

export const RetentionUserSchema = z.object({
  channel: ChannelSchema,
  userId: z.string(),
  /** The user's cohort event, ISO UTC. */
  cohortAt: z.string(),
  /** The user's first return event in the period, ISO UTC. */
  returnedAt: z.string(),
});
export type RetentionUser = z.infer<typeof RetentionUserSchema>;

export const RetentionUsersResponseSchema = z.object({
  cohortStart: z.iso.date(),
  period: z.number().int().nonnegative(),
  group: z.string().nullable().optional(),
  /** Retained users of the cell in all; `users` is one page of them ordered by (channel, userId). */
  total: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  offset: z.number().int().nonnegative(),
  users: z.array(RetentionUserSchema),
});
export type RetentionUsersResponse = z.infer<typeof RetentionUsersResponseSchema>;
