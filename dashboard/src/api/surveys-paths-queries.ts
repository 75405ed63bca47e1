import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { MAX_DROPOFF_LIMIT } from "@chatfunnel/contract";
import type { PathNodeKind, PathNodeUsersResponse, PathsResponse, SurveysResponse } from "@chatfunnel/schemas";
import type { ApiFilters } from "../filters/filters.js";
import type { ApiClient } from "./client.js";

/** Surveys' one query: every input in the key; the previous answers stay on screen while a new range loads. */
/** `window`: how long after an answer a lead or order counts (`7d`), as the API spells it. */
export const surveysQuery = (api: ApiClient, filters: ApiFilters, window: string) =>
  queryOptions({
    queryKey: ["surveys", filters, window] as const,
    queryFn: ({ signal }) => api.get<SurveysResponse>("surveys", { ...filters, window }, signal),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });

export interface PathsParams {
  start: string;
  depth: number;
}

export const pathsQuery = (api: ApiClient, filters: ApiFilters, params: PathsParams) =>
  queryOptions({
    queryKey: ["paths", filters, params] as const,
    queryFn: ({ signal }) => api.get<PathsResponse>("paths", { ...filters, ...params }, signal),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });

export interface PathNodeParams {
  step: number;
  kind: PathNodeKind;
  label: string;
}

export const PATH_USERS_PAGE = 100;

/** One page of the users behind a Sankey node. */
export const pathNodeUsersQuery = (api: ApiClient, filters: ApiFilters, params: PathsParams, node: PathNodeParams, offset: number) =>
  queryOptions({
    queryKey: ["paths/users", filters, params, node, offset] as const,
    queryFn: ({ signal }) => api.get<PathNodeUsersResponse>("paths/users", { ...filters, ...params, ...node, offset, limit: PATH_USERS_PAGE }, signal),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });

/** Every user of the node as CSV (as many as one answer carries). */
export const pathNodeUsersCsv = (api: ApiClient, filters: ApiFilters, params: PathsParams, node: PathNodeParams) =>
  api.getText("paths/users", { ...filters, ...params, ...node, format: "csv", limit: MAX_DROPOFF_LIMIT });
