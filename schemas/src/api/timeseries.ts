import { z } from "zod";
import { INTERVALS } from "@chatfunnel/contract";
import { CommonQuerySchema, OtherCurrencySchema, RangeEchoSchema } from "./common.js";

export const TIMESERIES_METRICS = ["users", "new_users", "sessions", "leads", "orders", "revenue", "spend", "resolution_rate"] as const;
export const TimeseriesMetricSchema = z.enum(TIMESERIES_METRICS);
export type TimeseriesMetric = z.infer<typeof TimeseriesMetricSchema>;

// The interval grammar is plain contract/ (the dashboard offers it without zod).
export { INTERVALS } from "@chatfunnel/contract";
export const IntervalSchema = z.enum(INTERVALS);
export type Interval = z.infer<typeof IntervalSchema>;

export const TimeseriesQuerySchema = CommonQuerySchema.extend({
  metric: TimeseriesMetricSchema,
  interval: IntervalSchema.default("day"),
});
export type TimeseriesQuery = z.infer<typeof TimeseriesQuerySchema>;

/**
 * One bucket. `bucket` is the local date (in `tz`) the bucket starts on: the day, the Monday of
 * the week, the 1st of the month. Buckets run from local midnight to local midnight, so a DST day
 * lasts 23 or 25 hours. The first and last buckets are clipped to [from, to).
 */
export const TimeseriesPointSchema = z.object({
  bucket: z.iso.date(),
  /** Counts, money in `currency`, or a rate in [0,1] (null when nothing was measured). */
  value: z.number().nullable(),
});
export type TimeseriesPoint = z.infer<typeof TimeseriesPointSchema>;

export const TimeseriesResponseSchema = z.object({
  range: RangeEchoSchema,
  metric: TimeseriesMetricSchema,
  interval: IntervalSchema,
  /** For revenue and spend: the currency of every value; null for other metrics. */
  currency: z.string().nullable(),
  /** Every bucket of the range in order, zero-filled (rates: null). */
  points: z.array(TimeseriesPointSchema),
  /** For revenue and spend: totals over the range in other currencies, not converted. */
  otherCurrencies: z.array(OtherCurrencySchema),
});
export type TimeseriesResponse = z.infer<typeof TimeseriesResponseSchema>;
