import { z } from "zod";
import { RangeEchoSchema, RateSchema } from "./common.js";

export const REPEAT_BUCKETS = ["1", "2", "3", "4", "5+"] as const;
export const RepeatBucketSchema = z.enum(REPEAT_BUCKETS);

export const RepeatResponseSchema = z.object({
  range: RangeEchoSchema,
  /** Users with at least one session starting in range: the base of every figure here. */
  users: z.number().int(),
  /** Users by the number of their sessions that start in range; always the five buckets in order. */
  histogram: z.array(z.object({ sessions: RepeatBucketSchema, users: z.number().int() })),
  /** Users with ≥ 2 sessions in range over users; null with no users. */
  returningShare: RateSchema,
  meanSessionsPerUser: z.number().nonnegative().nullable(),
});
export type RepeatResponse = z.infer<typeof RepeatResponseSchema>;
