import { z } from "zod";
import { ChannelSchema } from "../event.js";
import { MoneyRatioSchema, MoneySchema, OtherCurrencySchema, RangeEchoSchema, RateSchema } from "./common.js";

export const ChannelFiguresSchema = z.object({
  channel: ChannelSchema,
  users: z.number().int(),
  newUsers: z.number().int(),
  sessions: z.number().int(),
  leads: z.number().int(),
  orders: z.number().int(),
  revenue: MoneySchema,
  spend: MoneySchema,
  cpl: MoneyRatioSchema,
  cpo: MoneyRatioSchema,
  /** Users of the channel with at least one lead in range, over the channel's users in range. */
  leadConversion: RateSchema,
});
export type ChannelFigures = z.infer<typeof ChannelFiguresSchema>;

export const ChannelsResponseSchema = z.object({
  range: RangeEchoSchema,
  currency: z.string(),
  /** Channels with users or spend in range, most users first. */
  channels: z.array(ChannelFiguresSchema),
  otherCurrencies: z.array(OtherCurrencySchema),
});
export type ChannelsResponse = z.infer<typeof ChannelsResponseSchema>;
