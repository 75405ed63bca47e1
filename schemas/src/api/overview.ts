import { z } from "zod";
import { HeadlineFiguresSchema } from "./common.js";

export const OverviewFiguresSchema = HeadlineFiguresSchema.extend({
  roas: z.number().nonnegative().nullable(),
  resolutionRate: z.number().min(0).max(1).nullable(),
});
export type OverviewFigures = z.infer<typeof OverviewFiguresSchema>;

export const OverviewResponseSchema = z.object({
  range: z.object({ from: z.string(), to: z.string(), tz: z.string() }),
  current: OverviewFiguresSchema,
  previous: OverviewFiguresSchema.extend({ range: z.object({ from: z.string(), to: z.string() }) }).optional(),
  /** Money in currencies other than the reported one: listed, not converted. */
  otherCurrencies: z.array(z.object({ currency: z.string(), revenue: z.number(), spend: z.number() })),
});
export type OverviewResponse = z.infer<typeof OverviewResponseSchema>;
