import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import type { BroadcastDetailResponse, BroadcastsResponse } from "@chatfunnel/schemas";
import type { ApiFilters } from "../filters/filters.js";
import type { ApiClient } from "./client.js";

/** Broadcasts' queries: every input in the key; the previous table stays on screen while a new range loads. */
const shared = { placeholderData: keepPreviousData, staleTime: 30_000 } as const;

export const broadcastsQuery = (api: ApiClient, filters: ApiFilters) =>
  queryOptions({
    queryKey: ["broadcasts", filters] as const,
    queryFn: ({ signal }) => api.get<BroadcastsResponse>("broadcasts", { ...filters }, signal),
    ...shared,
  });

export const broadcastDetailQuery = (api: ApiClient, filters: ApiFilters, broadcastId: string) =>
  queryOptions({
    queryKey: ["broadcast", filters, broadcastId] as const,
    queryFn: ({ signal }) => api.get<BroadcastDetailResponse>(`broadcasts/${encodeURIComponent(broadcastId)}`, { ...filters }, signal),
    // Another broadcast's timeline must not stand in for this one's.
    staleTime: 30_000,
  });
