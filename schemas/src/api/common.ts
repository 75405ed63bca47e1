import { z } from "zod";
import { ChannelSchema, CurrencySchema } from "../event.js";

/** A date (`2026-05-01`, midnight in `tz`) or an ISO date-time with offset. */
export const RangeBoundSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: "must be a date (YYYY-MM-DD) or an ISO 8601 date-time with offset",
});

export const TimeZoneSchema = z.string().refine(isValidTimeZone, "must be an IANA time zone such as Europe/Moscow or UTC");

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const repeatable = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]), z.array(item).optional());

/** Query parameters every metric endpoint takes. The range is [from, to). */
export const CommonQuerySchema = z.object({
  from: RangeBoundSchema,
  to: RangeBoundSchema,
  tz: TimeZoneSchema.optional(),
  channel: repeatable(ChannelSchema),
  botId: z.string().min(1).max(128).optional(),
  campaign: z.string().min(1).max(256).optional(),
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
