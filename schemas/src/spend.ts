import { z } from "zod";
import { ChannelSchema, CurrencySchema } from "./event.js";

export const SpendRowSchema = z.strictObject({
  date: z.iso.date("must be a date as YYYY-MM-DD"),
  channel: ChannelSchema,
  campaign: z.string().max(256).optional(),
  amount: z.number().finite().nonnegative(),
  currency: CurrencySchema,
});
export type SpendRow = z.infer<typeof SpendRowSchema>;
