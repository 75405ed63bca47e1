import { z } from "zod";
import { RangeEchoSchema, RateSchema } from "./common.js";

export const EngagementResponseSchema = z.object({
  range: RangeEchoSchema,
  newUsers: z.number().int(),
  sessions: z.number().int(),
  /** Sessions (starting in range) with a message_received followed, in the same session, by a message_sent. */
  answeredSessions: z.number().int(),
  /**
   * Median over answered sessions of: first message_received → first message_sent at or after it,
   * in seconds (ms precision; the mean of the two middle values for an even count). Null with none.
   */
  medianFirstResponseSeconds: z.number().nonnegative().nullable(),
  /** Sessions with a resolved and no handoff, over sessions with a message_received. */
  resolutionRate: RateSchema,
});
export type EngagementResponse = z.infer<typeof EngagementResponseSchema>;
