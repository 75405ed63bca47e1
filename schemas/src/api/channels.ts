import { z } from "zod";
import { ChannelSchema } from "../event.js";
import { HeadlineFiguresSchema, OtherCurrencySchema, RangeEchoSchema, RateSchema } from "./common.js";

export const ChannelFiguresSchema = HeadlineFiguresSchema.extend({
  channel: ChannelSchema,
  /** Users of the channel with at least one lead in range, over the channel's users in range. */
  leadConversion: RateSchema,
  /** Users of the channel with two or more sessions starting in range, over those with one or more (as repeat's returningShare). */
  returningShare: RateSchema,
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
