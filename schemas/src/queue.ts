import { z } from "zod";
import { EventSchema } from "./event.js";

/**
 * One Kafka message on the bot-events topic: the validated event plus what the collector
 * learned from the request. The consumer validates it again: a topic is an edge too.
 */
export const QueuedEventSchema = z.strictObject({
  projectId: z.string().min(1).max(64),
  receivedAt: z.iso.datetime({ offset: true }),
  event: EventSchema,
});
export type QueuedEvent = z.infer<typeof QueuedEventSchema>;
