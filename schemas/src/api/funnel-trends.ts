import { z } from "zod";
import { RangeEchoSchema, RateSchema } from "./common.js";
import { FunnelModeSchema, FunnelQuerySchema } from "./funnel.js";
import { IntervalSchema } from "./timeseries.js";

/**
 * GET /api/v1/funnel/trends: how conversion through one funnel changes with the day (week, month) users start it.
 * Semantics (the reference in tests/reference/funnel-trends.ts follows these):
 *
 * - Every user counts exactly as in /api/v1/funnel (schemas/src/api/funnel.ts): once, at the furthest step
 *   reached, with the user's chosen attempt — the earliest attempt reaching that step. Every step feature of
 *   the funnel (filters, modes, whatever the step grammar adds) applies unchanged: trends are read off the
 *   funnel's own per-user outcomes.
 * - A user belongs to the bucket, in `tz`, of that attempt's start (the event that began it; in `any` mode the
 *   attempt's first event). Buckets are local calendar days, weeks from Monday or months, as in
 *   /api/v1/timeseries: a DST day lasts 23 or 25 hours, the first and last buckets are clipped to [from, to).
 *   Conversions after `to` (up to the window) count for the bucket the attempt started in.
 * - Per bucket: `entered` = users of the bucket (they entered the funnel: reached step 1, or with an optional
 *   step 1 the first step their chain took), `converted` = those who reached the last required step (an
 *   optional last step need not be taken), `conversion` = converted / entered, null when nobody entered.
 * - Summed over the buckets, `entered` and `converted` are the funnel's users at its first and last step
 *   (with optional steps: the users who entered, and those at the last required step).
 * - No `breakdown` and no `bins` (400 naming them): a trend is over all users in scope; groups and the
 *   time-to-convert histogram are /api/v1/funnel's.
 */
export const FunnelTrendsQuerySchema = FunnelQuerySchema.extend({
  interval: IntervalSchema.default("day"),
});
export type FunnelTrendsQuery = z.infer<typeof FunnelTrendsQuerySchema>;

export const FunnelTrendPointSchema = z.object({
  /** The local date (in `tz`) the bucket starts on: the day, the Monday of the week, the 1st of the month. */
  bucket: z.iso.date(),
  /** Users whose chosen attempt started in this bucket. */
  entered: z.number().int().nonnegative(),
  /** Of those, users who reached the last step. */
  converted: z.number().int().nonnegative(),
  conversion: RateSchema,
});
export type FunnelTrendPoint = z.infer<typeof FunnelTrendPointSchema>;

export const FunnelTrendsResponseSchema = z.object({
  range: RangeEchoSchema,
  mode: FunnelModeSchema,
  windowSeconds: z.number().int().positive(),
  interval: IntervalSchema,
  /** The number of steps: `converted` counts users who reached step `steps`. */
  steps: z.number().int().min(2),
  /** Every bucket of the range in order, zero-filled (conversion null). */
  points: z.array(FunnelTrendPointSchema),
});
export type FunnelTrendsResponse = z.infer<typeof FunnelTrendsResponseSchema>;
