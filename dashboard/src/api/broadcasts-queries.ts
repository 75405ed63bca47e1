import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import type { BroadcastDetailResponse, BroadcastsResponse } from "@chatfunnel/schemas";
import type { ApiFilters } from "../filters/filters.js";
import type { ApiClient } from "./client.js";

/** Broadcasts' queries: every input in the key; the previous table stays on screen while a new range loads. */
const shared = { placeholderData: keepPreviousData, staleTime: 30_000 } as const;

/** `window`: the conversion window (`3d`), as the API spells it. */
export const broadcastsQuery = (api: ApiClient, filters: ApiFilters, window: string) =>
  queryOptions({
    queryKey: ["broadcasts", filters, window] as const,
    queryFn: ({ signal }) => api.get<BroadcastsResponse>("broadcasts", { ...filters, window }, signal),
    ...shared,
  });

export const broadcastDetailQuery = (api: ApiClient, filters: ApiFilters, window: string, broadcastId: string) =>
  queryOptions({
    queryKey: ["broadcast", filters, window, broadcastId] as const,
    queryFn: ({ signal }) => api.get<BroadcastDetailResponse>(`broadcasts/${encodeURIComponent(broadcastId)}`, { ...filters, window }, signal),
    // Another broadcast's timeline must not stand in for this one's.
    staleTime: 30_000,
  });
