import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import type {
  ChannelsResponse,
  CostsGrouping,
  CostsResponse,
  EngagementResponse,
  Interval,
  OverviewResponse,
  RepeatResponse,
  TimeseriesMetric,
  TimeseriesResponse,
} from "@chatfunnel/schemas";
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
