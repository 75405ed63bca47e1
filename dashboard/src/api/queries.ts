import { infiniteQueryOptions, keepPreviousData, queryOptions } from "@tanstack/react-query";
import { EVENTS_DEFAULT_LIMIT } from "@chatfunnel/contract";
import type {
  ChannelsResponse,
  CostsGrouping,
  CostsResponse,
  EngagementResponse,
  EventsResponse,
  EventTypesResponse,
  FunnelBreakdown,
  FunnelDropoffResponse,
  FunnelMode,
  FunnelResponse,
  FunnelTrendsResponse,
  Interval,
  Link,
  LinkCreateBody,
  LinksResponse,
  OverviewResponse,
  RepeatResponse,
  TimeseriesMetric,
  TimeseriesResponse,
} from "@chatfunnel/schemas";
import { MAX_DROPOFF_LIMIT } from "../funnel/limits.js";
import type { ApiFilters } from "../filters/filters.js";
import type { ApiClient } from "./client.js";

/**
 * One factory per metric. Every input is in the key, so a change of filters is a new query;
 * placeholderData keeps the previous chart on screen while the new range loads.
 */
const shared = { placeholderData: keepPreviousData, staleTime: 30_000 } as const;

export const overviewQuery = (api: ApiClient, filters: ApiFilters) =>
  queryOptions({
    queryKey: ["overview", filters] as const,
    queryFn: ({ signal }) => api.get<OverviewResponse>("overview", { ...filters }, signal),
    ...shared,
  });

export const timeseriesQuery = (api: ApiClient, filters: ApiFilters, metric: TimeseriesMetric, interval: Interval) =>
  queryOptions({
    queryKey: ["timeseries", filters, metric, interval] as const,
    queryFn: ({ signal }) => api.get<TimeseriesResponse>("timeseries", { ...filters, metric, interval }, signal),
    ...shared,
  });

export const channelsQuery = (api: ApiClient, filters: ApiFilters) =>
  queryOptions({
    queryKey: ["channels", filters] as const,
    queryFn: ({ signal }) => api.get<ChannelsResponse>("channels", { ...filters }, signal),
    ...shared,
  });

export const costsQuery = (api: ApiClient, filters: ApiFilters, by: CostsGrouping) =>
  queryOptions({
    queryKey: ["costs", filters, by] as const,
    queryFn: ({ signal }) => api.get<CostsResponse>("costs", { ...filters, by }, signal),
    ...shared,
  });

export const repeatQuery = (api: ApiClient, filters: ApiFilters) =>
  queryOptions({
    queryKey: ["repeat", filters] as const,
    queryFn: ({ signal }) => api.get<RepeatResponse>("repeat", { ...filters }, signal),
    ...shared,
  });

export const engagementQuery = (api: ApiClient, filters: ApiFilters) =>
  queryOptions({
    queryKey: ["engagement", filters] as const,
    queryFn: ({ signal }) => api.get<EngagementResponse>("engagement", { ...filters }, signal),
    ...shared,
  });

/**
 * A funnel as the API spells it: steps as `type[prop=value]` texts, window like `7d`, one breakdown dimension
 * (`channel` … or `properties.<name>`), and for a property breakdown taken from a step's event `step:k`.
 */
export interface FunnelDefinition {
  steps: string[];
  window: string;
  mode: FunnelMode;
  breakdown: FunnelBreakdown | null;
  /** `step:k`; absent for first touch (the API's default). */
  breakdownAttribution?: string;
  /** `exclude` texts (`handoff`, `handoff:2-3`); absent for none. */
  exclude?: string[];
  /** `hold=<property>`; absent for none. */
  hold?: string;
}

const funnelParams = (definition: FunnelDefinition) => ({
  steps: definition.steps,
  window: definition.window,
  mode: definition.mode,
  ...(definition.breakdown ? { breakdown: definition.breakdown } : {}),
  ...(definition.breakdown && definition.breakdownAttribution ? { breakdownAttribution: definition.breakdownAttribution } : {}),
  ...(definition.exclude && definition.exclude.length > 0 ? { exclude: definition.exclude } : {}),
  ...(definition.hold ? { hold: definition.hold } : {}),
});

/** With `bins` the answer adds the time-to-convert histogram of every step from the second. */
export const funnelQuery = (api: ApiClient, filters: ApiFilters, definition: FunnelDefinition, bins?: number) =>
  queryOptions({
    queryKey: ["funnel", filters, definition, bins ?? null] as const,
    queryFn: ({ signal }) => api.get<FunnelResponse>("funnel", { ...filters, ...funnelParams(definition), ...(bins === undefined ? {} : { bins }) }, signal),
    ...shared,
  });

/** The funnel without its breakdown: what trends and the time-to-convert histogram are over. */
export const overAllUsers = (definition: FunnelDefinition): FunnelDefinition => ({
  steps: definition.steps,
  window: definition.window,
  mode: definition.mode,
  breakdown: null,
  // Exclusions and hold decide who converts: trends keep them.
  ...(definition.exclude ? { exclude: definition.exclude } : {}),
  ...(definition.hold ? { hold: definition.hold } : {}),
});

/** Conversion first → last per start bucket: the funnel's parameters without breakdown (trends are over all users). */
export const funnelTrendsQuery = (api: ApiClient, filters: ApiFilters, definition: FunnelDefinition, interval: Interval) =>
  queryOptions({
    queryKey: ["funnel/trends", filters, overAllUsers(definition), interval] as const,
    queryFn: ({ signal }) => api.get<FunnelTrendsResponse>("funnel/trends", { ...filters, ...funnelParams(overAllUsers(definition)), interval }, signal),
    ...shared,
  });

export const DROPOFF_PAGE = 100;

export const dropoffQuery = (api: ApiClient, filters: ApiFilters, definition: FunnelDefinition, step: number, offset = 0) =>
  queryOptions({
    queryKey: ["funnel/dropoff", filters, definition, step, offset] as const,
    queryFn: ({ signal }) =>
      api.get<FunnelDropoffResponse>("funnel/dropoff", { ...filters, ...funnelParams(definition), step, limit: DROPOFF_PAGE, offset }, signal),
    ...shared,
  });

/** The whole list of a step's losers as the API's CSV, for download. */
export const dropoffCsv = (api: ApiClient, filters: ApiFilters, definition: FunnelDefinition, step: number) =>
  api.getText("funnel/dropoff", { ...filters, ...funnelParams(definition), step, format: "csv", limit: MAX_DROPOFF_LIMIT });

/** The explorer's own filters, beside the global ones: event types (any of) and one user. */
export interface EventSearch {
  types: string[];
  userId: string;
}

/** The explorer's page: the API's default page. */
export const EVENTS_PAGE = EVENTS_DEFAULT_LIMIT;

/**
 * Newest first, older pages through the answer's cursor; the previous list stays on screen while a new
 * filter loads. `part` "head" is the same first page kept apart, so it can be polled without re-reading
 * every older page the reader has loaded.
 */
export const eventsQuery = (api: ApiClient, filters: ApiFilters, search: EventSearch, part: "pages" | "head" = "pages") =>
  infiniteQueryOptions({
    queryKey: ["events", part, filters, search, EVENTS_PAGE] as const,
    queryFn: ({ pageParam, signal }) =>
      api.get<EventsResponse>("events", { ...filters, type: search.types, userId: search.userId, limit: EVENTS_PAGE, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
    placeholderData: keepPreviousData,
  });

/** The types the project has sent in the API's default window (30 days), most events first. */
export const eventTypesQuery = (api: ApiClient) =>
  queryOptions({
    queryKey: ["event-types"] as const,
    queryFn: ({ signal }) => api.get<EventTypesResponse>("event-types", {}, signal),
    // A project's set of types changes rarely, and the list is a scan of 30 days.
    staleTime: 5 * 60_000,
  });

export const linksQuery = (api: ApiClient, filters: ApiFilters) =>
  queryOptions({
    queryKey: ["links", filters] as const,
    queryFn: ({ signal }) => api.get<LinksResponse>("links", { ...filters }, signal),
    ...shared,
  });

export const createLink = (api: ApiClient, body: LinkCreateBody) => api.post<Link>("links", JSON.stringify(body), "application/json");
export const deleteLink = (api: ApiClient, id: string) => api.delete(`links/${encodeURIComponent(id)}`);
