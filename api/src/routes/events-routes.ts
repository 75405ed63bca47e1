import {
  EVENTS_DEFAULT_RANGE_MS,
  EVENT_TYPES_DEFAULT_RANGE_MS,
  EventTypesQuerySchema,
  EventTypesResponseSchema,
  EventsQuerySchema,
  EventsResponseSchema,
} from "@chatfunnel/schemas";
import { eventTypes, exploreEvents } from "../metrics/events-explorer.js";
import { recentRoute, type ApiRoute } from "./api-route.js";

/** The events explorer and the list of event types the project has sent. */
export const eventsRoutes: ApiRoute[] = [
  recentRoute({
    path: "/api/v1/events",
    metric: "events",
    query: EventsQuerySchema,
    defaultRangeMs: EVENTS_DEFAULT_RANGE_MS,
    doc: {
      summary: "The stored events, newest first, in the event contract's shape plus receivedAt",
      description:
        "Without from/to: the last 24 hours. Ordered by timestamp, then event id, both descending; pass `next` as `cursor` for the next (older) page, stable under equal timestamps. Fields stored empty are left out; properties come back as stored text (numbers, booleans and null as their JSON text). A resent event shows once.",
      response: EventsResponseSchema,
    },
    handle: ({ deps, query, filters }) =>
      exploreEvents(deps.storage, filters, { types: query.type, userId: query.userId, broadcastId: query.broadcastId, limit: query.limit, cursor: query.cursor }),
  }),
  recentRoute({
    path: "/api/v1/event-types",
    metric: "event_types",
    query: EventTypesQuerySchema,
    defaultRangeMs: EVENT_TYPES_DEFAULT_RANGE_MS,
    doc: {
      summary: "The event types the project sent in the range, with events, users and last seen; most events first",
      description: "Without from/to: the last 30 days. Reserved types the project never sent are not listed.",
      response: EventTypesResponseSchema,
    },
    handle: ({ deps, filters }) => eventTypes(deps.storage, filters),
  }),
];
