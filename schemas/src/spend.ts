import { z } from "zod";
import { MAX_RANGE_DATE, MAX_REVENUE, MAX_SOURCE_FIELD_LENGTH, MIN_RANGE_DATE } from "@chatfunnel/contract";
import { ChannelSchema, CurrencySchema, textSchema } from "./event.js";

/**
 * Spend amounts are stored as Decimal(18, 4), like revenue: below 1e14 (the bound of an event's revenue)
 * with at most four decimal places, so storage never truncates or overflows one; every sum of them is
 * taken in 128 bits.
 */
export const MAX_SPEND_AMOUNT = MAX_REVENUE;

const hasAtMostFourDecimals = (amount: number): boolean => Math.abs(Math.round(amount * 1e4) - amount * 1e4) <= 1e-6;

export const SpendRowSchema = z.strictObject({
  // A day any API range can ask about (the engine's Date type would silently clamp 0001-01-01 to 1970).
  date: z.iso
    .date("must be a date as YYYY-MM-DD")
    .refine((date) => date >= MIN_RANGE_DATE && date < MAX_RANGE_DATE, `must be from ${MIN_RANGE_DATE} to before ${MAX_RANGE_DATE}`)
    .meta({ description: `The local day of the spend, YYYY-MM-DD, from ${MIN_RANGE_DATE} to before ${MAX_RANGE_DATE}` }),
  channel: ChannelSchema,
  // The campaign spend is matched to: an event's source.campaign.
  campaign: textSchema(MAX_SOURCE_FIELD_LENGTH).optional(),
  amount: z
    .number()
    .finite()
    .nonnegative()
    .lt(MAX_SPEND_AMOUNT, `must be less than ${MAX_SPEND_AMOUNT}`)
    .refine(hasAtMostFourDecimals, "must have at most 4 decimal places")
    .meta({ description: "At least 0, below 1e14, at most 4 decimal places (stored as Decimal(18, 4))" }),
  currency: CurrencySchema,
});
export type SpendRow = z.infer<typeof SpendRowSchema>;
