import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import type { RetentionResponse, RetentionUsersResponse } from "@chatfunnel/schemas";
import type { ApiFilters } from "../filters/filters.js";
import { MAX_RETENTION_USERS_LIMIT, RETENTION_USERS_PAGE } from "../retention/limits.js";
import type { RetentionParams, SelectedCell } from "../retention/params.js";
import type { ApiClient } from "./client.js";

const retentionParams = (params: RetentionParams) => ({
  interval: params.interval,
  periods: params.periods,
  cohort: params.cohort,
  return: params.return,
  ...(params.breakdown ? { breakdown: params.breakdown } : {}),
});

/**
 * A cell's group as the API reads it: omitted for every group of the cohort start (no breakdown), `group=` (empty)
 * for the users without a value. The client drops empty scalar parameters (an unset filter), so the empty value
 * goes as a one-item list, which it writes as it is.
 */
const groupParam = (cell: SelectedCell) => (cell.group === undefined ? {} : { group: cell.group === null ? [""] : cell.group });

/** Retention's one query: every input in the key; the previous triangle stays on screen while a new one loads. */
export const retentionQuery = (api: ApiClient, filters: ApiFilters, params: RetentionParams) =>
  queryOptions({
    queryKey: ["retention", filters, params] as const,
    queryFn: ({ signal }) => api.get<RetentionResponse>("retention", { ...filters, ...retentionParams(params) }, signal),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });

/** One page of the retained users of a cell. */
export const retentionUsersQuery = (api: ApiClient, filters: ApiFilters, params: RetentionParams, cell: SelectedCell, offset: number) =>
  queryOptions({
    queryKey: ["retention/users", filters, params, cell, offset] as const,
    queryFn: ({ signal }) =>
      api.get<RetentionUsersResponse>(
        "retention/users",
        { ...filters, ...retentionParams(params), cohortStart: cell.cohortStart, period: cell.period, ...groupParam(cell), limit: RETENTION_USERS_PAGE, offset },
        signal,
      ),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });

/** Every retained user of the cell as the API's CSV (as many as one answer carries). */
export const retentionUsersCsv = (api: ApiClient, filters: ApiFilters, params: RetentionParams, cell: SelectedCell) =>
  api.getText("retention/users", {
    ...filters,
    ...retentionParams(params),
    cohortStart: cell.cohortStart,
    period: cell.period,
    ...groupParam(cell),
    format: "csv",
    limit: MAX_RETENTION_USERS_LIMIT,
  });
