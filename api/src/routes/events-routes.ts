import { Router, type Request } from "express";
import type { z } from "zod";
import {
  EVENTS_DEFAULT_RANGE_MS,
  EVENT_TYPES_DEFAULT_RANGE_MS,
  EventTypesQuerySchema,
  EventTypesResponseSchema,
  EventsQuerySchema,
  EventsResponseSchema,
  type CommonQuery,
} from "@chatfunnel/schemas";
import { metricHandler } from "../http/handle.js";
import { parseQuery, resolveFilters, type ResolvedFilters } from "../http/params.js";
import { boundToUtcMs } from "../http/time-range.js";
import { eventTypes, exploreEvents } from "../metrics/events-explorer.js";
import { projectTimeZone } from "../metrics/project-settings.js";
import type { EndpointDoc } from "../openapi/endpoint-doc.js";
import type { RouteDeps } from "./route-deps.js";

type OptionalRange = Omit<CommonQuery, "from" | "to"> & { from?: string | undefined; to?: string | undefined };

/**
 * Parses a query whose range may be left out: without `to` it ends now, without `from` it starts
 * `defaultRangeMs` before its end. The result then resolves like every metric's common filters.
 */
export async function parseOptionalRangeQuery<S extends z.ZodType<OptionalRange>>(
  deps: RouteDeps,
  req: Request,
  projectId: string,
  schema: S,
  defaultRangeMs: number,
): Promise<{ query: z.infer<S>; filters: ResolvedFilters }> {
  const query = parseQuery(schema, req.query);
  const tz = query.tz ?? (await projectTimeZone(deps.storage, projectId));
  const to = query.to ?? new Date().toISOString();
  const from = query.from ?? new Date(boundToUtcMs(to, tz) - defaultRangeMs).toISOString();
  return { query, filters: resolveFilters(projectId, { ...query, from, to }, tz) };
}

/** The events explorer and the list of event types the project has sent. */
export function eventsRoutes(deps: RouteDeps): Router {
  const router = Router();
  router.get(
    "/events",
    metricHandler("events", deps, async (req, _res, projectId) => {
      const { query, filters } = await parseOptionalRangeQuery(deps, req, projectId, EventsQuerySchema, EVENTS_DEFAULT_RANGE_MS);
      return exploreEvents(deps.storage, filters, { types: query.type, userId: query.userId, broadcastId: query.broadcastId, limit: query.limit, cursor: query.cursor });
    }),
  );
  router.get(
    "/event-types",
    metricHandler("event_types", deps, async (req, _res, projectId) => {
      const { filters } = await parseOptionalRangeQuery(deps, req, projectId, EventTypesQuerySchema, EVENT_TYPES_DEFAULT_RANGE_MS);
      return eventTypes(deps.storage, filters);
    }),
  );
  return router;
}

export const eventsDocs: EndpointDoc[] = [
  {
    method: "get",
    path: "/api/v1/events",
    summary: "The stored events, newest first, in the event contract's shape plus receivedAt",
    description:
      "Without from/to: the last 24 hours. Ordered by timestamp, then event id, both descending; pass `next` as `cursor` for the next (older) page, stable under equal timestamps. Fields stored empty are left out; properties come back as stored text (numbers, booleans and null as their JSON text). A resent event shows once.",
    query: EventsQuerySchema,
    response: EventsResponseSchema,
  },
  {
    method: "get",
    path: "/api/v1/event-types",
    summary: "The event types the project sent in the range, with events, users and last seen; most events first",
    description: "Without from/to: the last 30 days. Reserved types the project never sent are not listed.",
    query: EventTypesQuerySchema,
    response: EventTypesResponseSchema,
  },
];
