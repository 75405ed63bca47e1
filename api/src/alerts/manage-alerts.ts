import { randomBytes, randomUUID } from "node:crypto";
import type { Storage } from "@chatfunnel/core";
import { refusedAddress } from "@chatfunnel/ingest";
import { MAX_ALERTS_PER_PROJECT, alertFunnelId, viewDeliverTarget, type Alert, type AlertCreateBody, type AlertCreated, type AlertPatchBody } from "@chatfunnel/schemas";
import { findAlert, findSavedFunnel, latestAlertRuns, projectAlerts, writeAlert, type AlertRecord } from "@chatfunnel/warehouse";
import { alertRunView } from "./run-alert.js";
import type { AlertDeliveryConfig } from "./deliver-alert.js";

/** A refusal that is the request's fault: the route answers 400 naming `field`. */
export class AlertInputError extends Error {
  override name = "AlertInputError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** `funnel:<id>` must name a saved funnel of this very project. */
async function checkMetric(storage: Storage, projectId: string, metric: string): Promise<void> {
  const funnelId = alertFunnelId(metric);
  if (funnelId !== undefined && !(await findSavedFunnel(storage, projectId, funnelId))) {
    throw new AlertInputError("metric", `no saved funnel ${funnelId} in this project (GET /api/v1/funnels lists them)`);
  }
}

export const alertView = (alert: AlertRecord, lastRun: Alert["lastRun"]): Alert => ({
  id: alert.id,
  name: alert.name,
  metric: alert.metric,
  filters: alert.filters,
  condition: alert.condition,
  schedule: alert.schedule,
  deliver: viewDeliverTarget(alert.deliver),
  createdAt: alert.createdAt,
  updatedAt: alert.updatedAt,
  lastRun,
});

export async function createAlert(storage: Storage, projectId: string, body: AlertCreateBody, config: Pick<AlertDeliveryConfig, "WEBHOOK_ALLOW_PRIVATE">): Promise<AlertCreated> {
  await checkMetric(storage, projectId, body.metric);
  if (body.deliver.webhook) {
    const refused = await refusedAddress(body.deliver.webhook.url, config.WEBHOOK_ALLOW_PRIVATE);
    if (refused) throw new AlertInputError("deliver.webhook.url", refused);
  }
  if ((await projectAlerts(storage, projectId)).length >= MAX_ALERTS_PER_PROJECT) {
    throw new AlertInputError("name", `a project has at most ${MAX_ALERTS_PER_PROJECT} alerts; delete one first`);
  }
  const now = new Date().toISOString();
  const alert: AlertRecord = {
    projectId,
    id: `al_${randomUUID().replaceAll("-", "").slice(0, 20)}`,
    name: body.name,
    metric: body.metric,
    filters: body.filters ?? {},
    condition: body.condition,
    schedule: body.schedule,
    deliver: body.deliver,
    webhookSecret: body.deliver.webhook ? `whsec_${randomBytes(24).toString("base64url")}` : "",
    createdAt: now,
    updatedAt: now,
  };
  await writeAlert(storage, alert);
  return { ...alertView(alert, null), webhookSecret: alert.webhookSecret === "" ? null : alert.webhookSecret };
}

export async function listAlerts(storage: Storage, projectId: string): Promise<Alert[]> {
  const alerts = await projectAlerts(storage, projectId);
  const last = await latestAlertRuns(storage, projectId, alerts.map((alert) => alert.id));
  return alerts.map((alert) => {
    const run = last.get(alert.id);
    return alertView(alert, run ? alertRunView(run) : null);
  });
}

export async function getAlert(storage: Storage, projectId: string, id: string): Promise<Alert | undefined> {
  const alert = await findAlert(storage, projectId, id);
  if (!alert) return undefined;
  const run = (await latestAlertRuns(storage, projectId, [id])).get(id);
  return alertView(alert, run ? alertRunView(run) : null);
}

/** Changes the fields given; undefined when the project has no such alert. */
export async function patchAlert(storage: Storage, projectId: string, id: string, patch: AlertPatchBody): Promise<Alert | undefined> {
  const alert = await findAlert(storage, projectId, id);
  if (!alert) return undefined;
  if (patch.metric !== undefined) await checkMetric(storage, projectId, patch.metric);
  const next: AlertRecord = {
    ...alert,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.metric !== undefined ? { metric: patch.metric } : {}),
    ...(patch.filters !== undefined ? { filters: patch.filters } : {}),
    ...(patch.condition !== undefined ? { condition: patch.condition } : {}),
    ...(patch.schedule !== undefined ? { schedule: patch.schedule } : {}),
    updatedAt: new Date().toISOString(),
  };
  await writeAlert(storage, next);
  return getAlert(storage, projectId, id);
}
