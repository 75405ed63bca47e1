import { z } from "zod";
import { MAX_ID_LENGTH, MAX_RANGE_DATE, MAX_SOURCE_FIELD_LENGTH, MAX_TIME_ZONE_LENGTH, MIN_RANGE_DATE, TIME_ZONE_MESSAGE, inSupportedDates, isValidTimeZone } from "@chatfunnel/contract";
import { ChannelSchema, CurrencySchema } from "../event.js";

// The supported dates and the zone check are plain functions in contract/ (the dashboard checks them too).
export { MAX_RANGE_DATE, MIN_RANGE_DATE, inSupportedDates, isValidTimeZone } from "@chatfunnel/contract";

/** A date (`2026-05-01`, midnight in `tz`) or an ISO date-time with offset, dated 2000-01-01 … 2100-01-01. */
export const RangeBoundSchema = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], {
    error: "must be a date (YYYY-MM-DD) or an ISO 8601 date-time with offset",
  })
  .refine(inSupportedDates, `must be dated from ${MIN_RANGE_DATE} to ${MAX_RANGE_DATE}`)
  .meta({ description: `A date (midnight in tz) or an ISO 8601 date-time with offset, dated ${MIN_RANGE_DATE} to ${MAX_RANGE_DATE}` });

/**
 * `tz` as the runtime can compute with it (isValidTimeZone). The API then accepts only the names the storage
 * engine also loads (system.time_zones), matched regardless of case and answered in the engine's spelling
 * (`utc` → `UTC`, `europe/moscow` → `Europe/Moscow`); see api/src/http/time-zones.ts.
 */
export const TimeZoneSchema = z
  .string()
  .max(MAX_TIME_ZONE_LENGTH)
  .refine(isValidTimeZone, TIME_ZONE_MESSAGE)
  .meta({ description: "IANA time zone (system.time_zones of the engine), any letter case; answers give its canonical spelling", examples: ["Europe/Moscow", "UTC"] });

const repeatable = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]), z.array(item).optional());

/** Query parameters every metric endpoint takes. The range is [from, to). */
export const CommonQuerySchema = z.object({
  from: RangeBoundSchema,
  to: RangeBoundSchema,
  tz: TimeZoneSchema.optional(),
  channel: repeatable(ChannelSchema),
  botId: z.string().min(1).max(MAX_ID_LENGTH).optional(),
  campaign: z.string().min(1).max(MAX_SOURCE_FIELD_LENGTH).optional(),
  /** Money is reported in one currency; amounts in others are listed, never converted. */
  currency: CurrencySchema.optional(),
});
export type CommonQuery = z.infer<typeof CommonQuerySchema>;

export const MoneySchema = z.object({ amount: z.number(), currency: z.string() });
export type Money = z.infer<typeof MoneySchema>;

/** A ratio: a fraction or null when its denominator is 0. */
export const RateSchema = z.number().min(0).max(1).nullable();
/** A money ratio (CPL, CPO) or null when its denominator is 0. */
export const MoneyRatioSchema = MoneySchema.nullable();

/** The resolved range an answer is about: UTC instants of [from, to) and the zone of its buckets. */
export const RangeEchoSchema = z.object({ from: z.string(), to: z.string(), tz: z.string() });
export type RangeEcho = z.infer<typeof RangeEchoSchema>;

/**
 * Money in currencies other than the reported one: listed beside the answer, never converted.
 * The reported currency is `currency` when given, else the one with the largest revenue + spend in range.
 */
export const OtherCurrencySchema = z.object({ currency: z.string(), revenue: z.number(), spend: z.number() });
export type OtherCurrency = z.infer<typeof OtherCurrencySchema>;

/** The figures overview and channels both report, each with the same definition. */
export const HeadlineFiguresSchema = z.object({
  users: z.number().int(),
  newUsers: z.number().int(),
  sessions: z.number().int(),
  leads: z.number().int(),
  orders: z.number().int(),
  revenue: MoneySchema,
  spend: MoneySchema,
  cpl: MoneyRatioSchema,
  cpo: MoneyRatioSchema,
});
