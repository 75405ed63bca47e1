import express from "express";
import { z } from "zod";
import { sendError } from "@chatfunnel/core";
import {
  ALERT_OVERVIEW_METRICS,
  AlertCreateBodySchema,
  AlertCreatedSchema,
  AlertHistoryQuerySchema,
  AlertHistoryResponseSchema,
  AlertPatchBodySchema,
  AlertRunSchema,
  AlertSchema,
  AlertsResponseSchema,
  toFieldErrors,
} from "@chatfunnel/schemas";
import { deleteAlert, findAlert, firedAlertRuns } from "@chatfunnel/warehouse";
import { DEFAULT_ALERT_DELIVERY_CONFIG, type AlertDeliveryConfig } from "../alerts/deliver-alert.js";
import { AlertInputError, createAlert, getAlert, listAlerts, patchAlert } from "../alerts/manage-alerts.js";
import { alertRunView, checkAlertNow } from "../alerts/run-alert.js";
import { InvalidParameterError, parseQuery } from "../http/params.js";
import type { ApiRoute } from "./api-route.js";
import type { RouteDeps } from "./route-deps.js";

const AlertIdSchema = z.string().min(1).max(64);

/** Telegram's address and timeout, the webhook policy: what the process passed, else the documented defaults. */
const deliveryConfig = (deps: RouteDeps): AlertDeliveryConfig => ({ ...DEFAULT_ALERT_DELIVERY_CONFIG, ...deps.webhooks, ...deps.telegram });

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const details = toFieldErrors(parsed.error);
    throw new InvalidParameterError(`invalid alert: ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
  }
  return parsed.data;
}

/** An AlertInputError (an unknown saved funnel, a refused address) as the 400 naming its field. */
async function refusingInput<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof AlertInputError)) throw error;
    throw new InvalidParameterError(`invalid alert: '${error.field}': ${error.message}`, [{ path: error.field, message: error.message }]);
  }
}

const notFound = (res: express.Response) => sendError(res, 404, "not_found", "no such alert in this project");

const CREATE_HELP =
  `\`metric\`: an overview figure (${ALERT_OVERVIEW_METRICS.join(", ")}; money in the reported currency, rates as fractions) or \`funnel:<saved funnel id>\` ` +
  "(the saved funnel's conversion from its first step to its last, a fraction). `filters` (channel, botId, campaign, currency) narrow the figure as on GET /api/v1/overview: CPL of one channel or campaign, say. " +
  "The figure is that of the last full period: the last hour (`hourly`) or calendar day (`daily`) on the project's zone. `below`/`above` compare it with `value`, strictly (at exactly the value it does not fire); " +
  "`drops_by_pct`/`rises_by_pct` compare it with the period before: change = (value − previous) × 100 / previous, firing at a change ≤ −value or ≥ value percent (at exactly the value it fires); a previous period of 0 or without a value has no change and does not fire. " +
  "The scheduler evaluates each period once, about a minute after it ends; the first is the period the alert was created in. `deliver`: a Telegram chat through the Bot API (`botToken` as @BotFather gives it, `chatId`) or a webhook (http(s) `url`), whose POSTs are signed like lead webhooks with the `webhookSecret` answered here only. " +
  "400 naming the field: an unknown metric or saved funnel, a bad token or chat id, a URL that is not http(s) (or private, with WEBHOOK_ALLOW_PRIVATE=false), a % value that is not positive.";

/** Alerts: create, list, read, change, delete, check now, and the history of what fired. */
export const alertsRoutes: ApiRoute[] = [
  {
    method: "post",
    path: "/api/v1/alerts",
    metric: "alerts_create",
    body: AlertCreateBodySchema,
    middleware: [express.json({ limit: "16kb" })],
    doc: { status: 201, summary: "Create an alert on an overview figure or a saved funnel's conversion, checked hourly or daily, sent to Telegram or a webhook", description: CREATE_HELP, response: AlertCreatedSchema },
    handle: async ({ deps, req, res, projectId }) => {
      const body = parseBody(AlertCreateBodySchema, req.body);
      res.status(201).json(await refusingInput(() => createAlert(deps.storage, projectId, body, deliveryConfig(deps))));
      return undefined;
    },
  },
  {
    method: "get",
    path: "/api/v1/alerts",
    metric: "alerts",
    doc: { summary: "The project's alerts, oldest first, each with its latest evaluation", response: AlertsResponseSchema },
    handle: async ({ deps, projectId }) => ({ alerts: await listAlerts(deps.storage, projectId) }),
  },
  {
    method: "get",
    path: "/api/v1/alerts/{id}",
    metric: "alerts_get",
    doc: { summary: "One alert with its latest evaluation (404 when the project has none with this id)", response: AlertSchema },
    handle: async ({ deps, req, res, projectId }) => {
      const id = AlertIdSchema.safeParse(req.params.id);
      const alert = id.success ? await getAlert(deps.storage, projectId, id.data) : undefined;
      return alert ?? notFound(res);
    },
  },
  {
    method: "patch",
    path: "/api/v1/alerts/{id}",
    metric: "alerts_update",
    body: AlertPatchBodySchema,
    middleware: [express.json({ limit: "16kb" })],
    doc: { summary: "Change an alert's name, metric, filters, condition or schedule (only the fields given); the target stays", response: AlertSchema },
    handle: async ({ deps, req, res, projectId }) => {
      const patch = parseBody(AlertPatchBodySchema, req.body);
      const id = AlertIdSchema.safeParse(req.params.id);
      const alert = id.success ? await refusingInput(() => patchAlert(deps.storage, projectId, id.data, patch)) : undefined;
      return alert ?? notFound(res);
    },
  },
  {
    method: "delete",
    path: "/api/v1/alerts/{id}",
    metric: "alerts_delete",
    doc: { status: 204, summary: "Delete an alert (404 when there is none); it is evaluated no more", response: z.null() },
    handle: async ({ deps, req, res, projectId }) => {
      const id = AlertIdSchema.safeParse(req.params.id);
      if (!id.success || !(await deleteAlert(deps.storage, projectId, id.data))) return notFound(res);
      res.status(204).end();
      return undefined;
    },
  },
  {
    method: "post",
    path: "/api/v1/alerts/{id}/check",
    metric: "alerts_check",
    doc: {
      summary: "Evaluate the alert now on its last full period and, when it fires, send the message: answers the value, the previous value, the change, whether it fired and the delivery's result",
      description: "Recorded in the history when it fires, marked trigger=check; the scheduler's own evaluation of the period is not affected. A refusal by Telegram or the receiver is in `delivery` (state failed, the status and the reason), not an error.",
      response: AlertRunSchema,
    },
    handle: async ({ deps, req, res, projectId }) => {
      const id = AlertIdSchema.safeParse(req.params.id);
      const alert = id.success ? await findAlert(deps.storage, projectId, id.data) : undefined;
      if (!alert) return notFound(res);
      return alertRunView(await checkAlertNow(deps.storage, deliveryConfig(deps), alert));
    },
  },
  {
    method: "get",
    path: "/api/v1/alerts/{id}/history",
    metric: "alerts_history",
    query: AlertHistoryQuerySchema,
    doc: { summary: "The evaluations that fired (scheduled and checks), newest first, with the delivery's outcome; `limit` default 100, at most 500; kept 90 days", response: AlertHistoryResponseSchema },
    handle: async ({ deps, req, res, projectId }) => {
      const query = parseQuery(AlertHistoryQuerySchema, req.query);
      const id = AlertIdSchema.safeParse(req.params.id);
      if (!id.success || !(await findAlert(deps.storage, projectId, id.data))) return notFound(res);
      return { runs: (await firedAlertRuns(deps.storage, projectId, id.data, query.limit)).map(alertRunView) };
    },
  },
];
