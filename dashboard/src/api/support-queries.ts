import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import type { Interval, SupportResponse } from "@chatfunnel/schemas";
import type { ApiFilters } from "../filters/filters.js";
import type { ApiClient } from "./client.js";

/** Support's one query: every input in the key; the previous figures stay on screen while a new range loads. */
export const supportQuery = (api: ApiClient, filters: ApiFilters, interval: Interval) =>
  queryOptions({
    queryKey: ["support", filters, interval] as const,
    queryFn: ({ signal }) => api.get<SupportResponse>("support", { ...filters, interval }, signal),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
