import { queryOptions } from "@tanstack/react-query";
import type { AlertCreateBody, AlertCreated, AlertHistoryResponse, AlertOp, AlertOverviewMetric, AlertRun, AlertsResponse } from "@chatfunnel/schemas";
import type { ApiClient } from "../api/client.js";

/** The list refreshes while the page is open: the scheduler's checks land in it. */
export const ALERTS_REFRESH_MS = 10_000;

export const alertsQuery = (api: ApiClient) =>
  queryOptions({
    queryKey: ["alerts"] as const,
    queryFn: ({ signal }) => api.get<AlertsResponse>("alerts", {}, signal),
    refetchInterval: ALERTS_REFRESH_MS,
  });

export const alertHistoryQuery = (api: ApiClient, id: string) =>
  queryOptions({
    queryKey: ["alerts", id, "history"] as const,
    queryFn: ({ signal }) => api.get<AlertHistoryResponse>(`alerts/${encodeURIComponent(id)}/history`, {}, signal),
    refetchInterval: ALERTS_REFRESH_MS,
  });

export const createAlert = (api: ApiClient, body: AlertCreateBody) => api.post<AlertCreated>("alerts", JSON.stringify(body), "application/json");
export const deleteAlert = (api: ApiClient, id: string) => api.delete(`alerts/${encodeURIComponent(id)}`);
export const checkAlert = (api: ApiClient, id: string) => api.post<AlertRun>(`alerts/${encodeURIComponent(id)}/check`, "{}", "application/json");

/**
 * The overview figures the form offers, in the order shown: the API's list (schemas' ALERT_OVERVIEW_METRICS, not
 * imported so zod stays out of the bundle); the check below fails to compile when the two differ.
 */
export const ALERT_METRICS = ["leads", "cpl", "orders", "cpo", "newUsers", "users", "sessions", "revenue", "spend", "roas", "resolutionRate"] as const satisfies readonly AlertOverviewMetric[];
const everyMetric: Exclude<AlertOverviewMetric, (typeof ALERT_METRICS)[number]> extends never ? true : never = true;
void everyMetric;

export const ALERT_OPS = ["below", "above", "drops_by_pct", "rises_by_pct"] as const satisfies readonly AlertOp[];
const everyOp: Exclude<AlertOp, (typeof ALERT_OPS)[number]> extends never ? true : never = true;
void everyOp;
