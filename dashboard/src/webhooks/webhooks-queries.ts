import { queryOptions } from "@tanstack/react-query";
import type { WebhookCreateBody, WebhookCreated, WebhookDeliveriesResponse, WebhookTestResult, WebhooksResponse } from "@chatfunnel/schemas";
import type { ApiClient } from "../api/client.js";

/** The list refreshes while the page is open: statuses and last deliveries change as leads arrive. */
export const WEBHOOKS_REFRESH_MS = 5000;

export const webhooksQuery = (api: ApiClient) =>
  queryOptions({
    queryKey: ["webhooks"] as const,
    queryFn: ({ signal }) => api.get<WebhooksResponse>("webhooks", {}, signal),
    refetchInterval: WEBHOOKS_REFRESH_MS,
  });

export const webhookDeliveriesQuery = (api: ApiClient, id: string) =>
  queryOptions({
    queryKey: ["webhooks", id, "deliveries"] as const,
    queryFn: ({ signal }) => api.get<WebhookDeliveriesResponse>(`webhooks/${encodeURIComponent(id)}/deliveries`, {}, signal),
    refetchInterval: WEBHOOKS_REFRESH_MS,
  });

export const createWebhook = (api: ApiClient, body: WebhookCreateBody) => api.post<WebhookCreated>("webhooks", JSON.stringify(body), "application/json");
export const deleteWebhook = (api: ApiClient, id: string) => api.delete(`webhooks/${encodeURIComponent(id)}`);
export const testWebhook = (api: ApiClient, id: string) => api.post<WebhookTestResult>(`webhooks/${encodeURIComponent(id)}/test`, "{}", "application/json");

/** The types the form offers as a start; any snake_case type can be typed in. */
export const SUGGESTED_WEBHOOK_EVENTS = ["lead", "order", "payment", "handoff"] as const;

/** "lead, order" (commas or spaces) as the API's list. */
export function parseEventTypes(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((part) => part.trim()).filter(Boolean))];
}
