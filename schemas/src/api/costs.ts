import { z } from "zod";
import { CommonQuerySchema, MoneyRatioSchema, MoneySchema, OtherCurrencySchema, RangeEchoSchema } from "./common.js";

export const COSTS_GROUPINGS = ["channel", "campaign"] as const;
export const CostsGroupingSchema = z.enum(COSTS_GROUPINGS);
export type CostsGrouping = z.infer<typeof CostsGroupingSchema>;

export const CostsQuerySchema = CommonQuerySchema.extend({ by: CostsGroupingSchema.default("channel") });
export type CostsQuery = z.infer<typeof CostsQuerySchema>;

/**
 * One channel or campaign. By campaign, leads, orders and revenue go to the user's first-touch
 * campaign (source.campaign of the user's earliest event that has one), spend to the spend row's campaign.
 */
export const CostsRowSchema = z.object({
  /** The channel, or the campaign; null is "no campaign" (organic users, spend rows without one). */
  key: z.string().nullable(),
  spend: MoneySchema,
  leads: z.number().int(),
  orders: z.number().int(),
  revenue: MoneySchema,
  cpl: MoneyRatioSchema,
  cpo: MoneyRatioSchema,
  roas: z.number().nonnegative().nullable(),
});
export type CostsRow = z.infer<typeof CostsRowSchema>;

export const CostsResponseSchema = z.object({
  range: RangeEchoSchema,
  by: CostsGroupingSchema,
  currency: z.string(),
  /** Highest spend first, then most leads. */
  rows: z.array(CostsRowSchema),
  total: CostsRowSchema.omit({ key: true }),
  otherCurrencies: z.array(OtherCurrencySchema),
});
export type CostsResponse = z.infer<typeof CostsResponseSchema>;
