import express from "express";
import { z } from "zod";
import { sendError } from "@chatfunnel/core";
import {
  WebhookCreateBodySchema,
  WebhookCreatedSchema,
  WebhookDeliveriesQuerySchema,
  WebhookDeliveriesResponseSchema,
  WebhookTestResultSchema,
  WebhooksResponseSchema,
  toFieldErrors,
} from "@chatfunnel/schemas";
import { WebhookInputError, createWebhook, listWebhooks, testWebhook, type WebhookManageConfig } from "@chatfunnel/ingest";
import { deleteWebhook, deliveryLog, findWebhook } from "@chatfunnel/warehouse";
import { parseQuery } from "../http/params.js";
import type { ApiRoute } from "./api-route.js";
import type { RouteDeps } from "./route-deps.js";

/** What a process that does not pass its config gets: the documented defaults. */
const DEFAULT_WEBHOOK_CONFIG: WebhookManageConfig = { WEBHOOK_ALLOW_PRIVATE: true, WEBHOOK_TIMEOUT_MS: 10_000 };
const webhookConfig = (deps: RouteDeps) => deps.webhooks ?? DEFAULT_WEBHOOK_CONFIG;
const WebhookIdSchema = z.string().min(1).max(64);

/**
 * Webhooks (leads to a CRM): create one for chosen event types, list them with their status and last
 * delivery, send a sample, read the delivery log, delete. Editor actions take the read key until manage
 * keys exist (DESIGN: "Projects, people, access"), as spend import and links do.
 */
export const webhooksRoutes: ApiRoute[] = [
  {
    method: "post",
    path: "/api/v1/webhooks",
    metric: "webhooks_create",
    body: WebhookCreateBodySchema,
    middleware: [express.json({ limit: "16kb" })],
    doc: {
      status: 201,
      summary: "Create a webhook: every event of these types stored from now on is POSTed to url, signed, retried with backoff for 24 h",
      description:
        'The body sent is {"deliveryId", "event": {event contract + receivedAt}}, with X-Chatfunnel-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>. deliveryId is the same on every retry and on a resend of the event. The secret is answered here only. url must be http(s); with WEBHOOK_ALLOW_PRIVATE=false loopback and private addresses are refused (400 naming url). Events stored before the webhook existed are not sent.',
      response: WebhookCreatedSchema,
    },
    handle: async ({ deps, req, res, projectId }) => {
      const parsed = WebhookCreateBodySchema.safeParse(req.body);
      if (!parsed.success) {
        const details = toFieldErrors(parsed.error);
        return sendError(res, 400, "invalid_parameter", `invalid webhook: ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
      }
      try {
        res.status(201).json(await createWebhook(deps.storage, projectId, parsed.data, webhookConfig(deps)));
      } catch (error) {
        if (!(error instanceof WebhookInputError)) throw error;
        sendError(res, 400, "invalid_parameter", `invalid webhook: '${error.field}': ${error.message}`, [{ path: error.field, message: error.message }]);
      }
      return undefined;
    },
  },
  {
    method: "get",
    path: "/api/v1/webhooks",
    metric: "webhooks",
    doc: {
      summary: "The project's webhooks with their status (active, or disabled with the reason) and last delivery attempt",
      description: "A webhook is disabled when WEBHOOK_DISABLE_AFTER_FAILURES deliveries in a row (default 20) went unanswered with a 2xx for the whole retry window (24 h); its reason names the last error.",
      response: WebhooksResponseSchema,
    },
    handle: async ({ deps, projectId }) => ({ webhooks: await listWebhooks(deps.storage, projectId) }),
  },
  {
    method: "delete",
    path: "/api/v1/webhooks/{id}",
    metric: "webhooks_delete",
    doc: { status: 204, summary: "Delete a webhook (404 when the project has none with this id); deliveries not yet made are dropped", response: z.null() },
    handle: async ({ deps, req, res, projectId }) => {
      const id = WebhookIdSchema.safeParse(req.params.id);
      if (!id.success || !(await deleteWebhook(deps.storage, projectId, id.data))) return sendError(res, 404, "not_found", "no such webhook in this project");
      res.status(204).end();
      return undefined;
    },
  },
  {
    method: "post",
    path: "/api/v1/webhooks/{id}/test",
    metric: "webhooks_test",
    doc: {
      summary: "Send one sample event (the webhook's first type, properties.test = \"true\") now, signed, and answer what the receiver said",
      description: "Not stored and not retried; works on a disabled webhook too, to check a receiver before creating a new one.",
      response: WebhookTestResultSchema,
    },
    handle: async ({ deps, req, res, projectId }) => {
      const id = WebhookIdSchema.safeParse(req.params.id);
      const result = id.success ? await testWebhook(deps.storage, projectId, id.data, webhookConfig(deps)) : undefined;
      if (!result) return sendError(res, 404, "not_found", "no such webhook in this project");
      return result;
    },
  },
  {
    method: "get",
    path: "/api/v1/webhooks/{id}/deliveries",
    metric: "webhooks_deliveries",
    query: WebhookDeliveriesQuerySchema,
    doc: {
      summary: "The delivery log: the latest deliveries (limit, default 100, at most 500), each with its state and every attempt (status code or error, duration), newest first",
      description: "States: pending (stored, not yet attempted), retrying (nextAttemptAt says when), delivered, failed (given up after the retry window). Kept 30 days.",
      response: WebhookDeliveriesResponseSchema,
    },
    handle: async ({ deps, req, res, projectId }) => {
      const query = parseQuery(WebhookDeliveriesQuerySchema, req.query);
      const id = WebhookIdSchema.safeParse(req.params.id);
      if (!id.success || !(await findWebhook(deps.storage, projectId, id.data))) return sendError(res, 404, "not_found", "no such webhook in this project");
      return { deliveries: await deliveryLog(deps.storage, projectId, id.data, query.limit) };
    },
  },
];
