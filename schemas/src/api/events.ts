import { z } from "zod";
import { EVENTS_DEFAULT_LIMIT, EVENTS_MAX_LIMIT, MAX_EVENT_TYPE_LENGTH, MAX_ID_LENGTH } from "@chatfunnel/contract";
import { ChannelSchema, SourceSchema } from "../event.js";
import { CommonQuerySchema, RangeBoundSchema } from "./common.js";

export { EVENTS_DEFAULT_LIMIT, EVENTS_MAX_LIMIT } from "@chatfunnel/contract";
/** Without from/to the explorer shows the last day: what a developer checking an integration wants. */
export const EVENTS_DEFAULT_RANGE_MS = 24 * 60 * 60 * 1000;
/** Without from/to the type list covers the last 30 days. */
export const EVENT_TYPES_DEFAULT_RANGE_MS = 30 * 24 * 60 * 60 * 1000;

const repeatable = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]), z.array(item).optional());

/** GET /api/v1/events: the common filters with an optional range, plus the explorer's own. */
export const EventsQuerySchema = CommonQuerySchema.extend({
  from: RangeBoundSchema.optional(),
  to: RangeBoundSchema.optional(),
  type: repeatable(z.string().min(1).max(MAX_EVENT_TYPE_LENGTH)),
  userId: z.string().min(1).max(MAX_ID_LENGTH).optional(),
  broadcastId: z.string().min(1).max(MAX_ID_LENGTH).optional(),
  limit: z.coerce.number().int().min(1).max(EVENTS_MAX_LIMIT).default(EVENTS_DEFAULT_LIMIT),
  /** The previous answer's `next`, opaque. */
  cursor: z.string().min(1).max(256).optional(),
});
export type EventsQuery = z.infer<typeof EventsQuerySchema>;

/**
 * A stored event in the event contract's shape plus when the server received it. Fields stored
 * empty are absent. Properties come back as stored: numbers, booleans and null as their JSON text.
 */
export const ExplorerEventSchema = z.object({
  id: z.string(),
  type: z.string(),
  channel: ChannelSchema,
  botId: z.string(),
  userId: z.string(),
  sessionId: z.string().optional(),
  broadcastId: z.string().optional(),
  timestamp: z.string(),
  source: SourceSchema.optional(),
  revenue: z.number().optional(),
  currency: z.string().optional(),
  properties: z.record(z.string(), z.string()).optional(),
  receivedAt: z.string(),
});
export type ExplorerEvent = z.infer<typeof ExplorerEventSchema>;

export const EventsResponseSchema = z.object({
  /** Newest first (by timestamp, then event id). */
  events: z.array(ExplorerEventSchema),
  /** Pass as `cursor` for the next (older) page; null when this page is the last. */
  next: z.string().nullable(),
});
export type EventsResponse = z.infer<typeof EventsResponseSchema>;

/** GET /api/v1/event-types. */
export const EventTypesQuerySchema = CommonQuerySchema.extend({
  from: RangeBoundSchema.optional(),
  to: RangeBoundSchema.optional(),
});
export type EventTypesQuery = z.infer<typeof EventTypesQuerySchema>;

export const EventTypeStatSchema = z.object({
  type: z.string(),
  events: z.number().int(),
  users: z.number().int(),
  lastSeen: z.string(),
});
export type EventTypeStat = z.infer<typeof EventTypeStatSchema>;

export const EventTypesResponseSchema = z.object({
  /** Most events first; only types the project sent in the range (reserved types never sent are not listed). */
  types: z.array(EventTypeStatSchema),
});
export type EventTypesResponse = z.infer<typeof EventTypesResponseSchema>;
