import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { toClickHouseTime } from "@chatfunnel/core";
import {
  AlertFiltersSchema,
  DeliverTargetSchema,
  type AlertCondition,
  type AlertFilters,
  type AlertSchedule,
  type DeliverTarget,
} from "@chatfunnel/schemas";
import { ALERT_RUN_DELIVERY_STATES, ALERT_RUN_TRIGGERS, ALERT_TABLES, nextRowVersionMs } from "./alert-schema.js";
import { runQuery } from "./run-query.js";
import { isoUtc } from "./stored-events.js";

/**
 * Every read and write of the alert tables (migration 17): the alerts, and their evaluations (the history and
 * the scheduler's state). The evaluation itself is api/src/alerts/.
 */

/** An alert with what evaluating and sending need; the bot token and the secret never leave the server. */
export interface AlertRecord {
  projectId: string;
  id: string;
  name: string;
  metric: string;
  filters: AlertFilters;
  condition: AlertCondition;
  schedule: AlertSchedule;
  deliver: DeliverTarget;
  /** The key webhook targets' POSTs are signed with; "" for a Telegram target. */
  webhookSecret: string;
  createdAt: string;
  updatedAt: string;
}

const num = z.coerce.number();
const AlertRowSchema = z.object({
  project_id: z.string(),
  id: z.string(),
  name: z.string(),
  metric: z.string(),
  filters: z.string(),
  condition_op: z.enum(["below", "above", "drops_by_pct", "rises_by_pct"]),
  condition_value: num,
  schedule: z.enum(["hourly", "daily"]),
  deliver: z.string(),
  webhook_secret: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

const toAlert = (row: z.infer<typeof AlertRowSchema>): AlertRecord => ({
  projectId: row.project_id,
  id: row.id,
  name: row.name,
  metric: row.metric,
  filters: AlertFiltersSchema.parse(JSON.parse(row.filters)),
  condition: { op: row.condition_op, value: row.condition_value },
  schedule: row.schedule,
  deliver: DeliverTargetSchema.parse(JSON.parse(row.deliver)),
  webhookSecret: row.webhook_secret,
  createdAt: isoUtc(row.created_at),
  updatedAt: isoUtc(row.updated_at),
});

const ALERT_COLUMNS = "project_id, id, name, metric, filters, toString(condition_op) AS condition_op, condition_value, toString(schedule) AS schedule, deliver, webhook_secret, created_at, updated_at";

async function selectAlerts(storage: Storage, where: string, params: Record<string, unknown>): Promise<AlertRecord[]> {
  const rows = await runQuery(
    storage,
    `SELECT ${ALERT_COLUMNS} FROM ${storage.database}.${ALERT_TABLES.alerts} FINAL WHERE deleted = 0${where} ORDER BY created_at, id`,
    params,
    AlertRowSchema,
  );
  return rows.map(toAlert);
}

/** The project's alerts, oldest first. */
export const projectAlerts = (storage: Storage, projectId: string): Promise<AlertRecord[]> => selectAlerts(storage, " AND project_id = {projectId:String}", { projectId });

export async function findAlert(storage: Storage, projectId: string, id: string): Promise<AlertRecord | undefined> {
  return (await selectAlerts(storage, " AND project_id = {projectId:String} AND id = {id:String}", { projectId, id }))[0];
}

/** Every alert of every project: what the scheduler evaluates. */
export const allAlerts = (storage: Storage): Promise<AlertRecord[]> => selectAlerts(storage, "", {});

function alertRow(alert: AlertRecord, deleted: 0 | 1) {
  return {
    project_id: alert.projectId,
    id: alert.id,
    name: alert.name,
    metric: alert.metric,
    filters: JSON.stringify(alert.filters),
    condition_op: alert.condition.op,
    condition_value: alert.condition.value,
    schedule: alert.schedule,
    deliver: JSON.stringify(alert.deliver),
    webhook_secret: alert.webhookSecret,
    created_at: toClickHouseTime(alert.createdAt),
    updated_at: toClickHouseTime(alert.updatedAt),
    deleted,
    version: toClickHouseTime(nextRowVersionMs()),
  };
}

/** Creates or replaces (same project and id) an alert. */
export async function writeAlert(storage: Storage, alert: AlertRecord): Promise<void> {
  await storage.insertRows(ALERT_TABLES.alerts, [alertRow(alert, 0)]);
}

/** Writes the alert again as deleted (its evaluations stay until they expire); false when there is none. */
export async function deleteAlert(storage: Storage, projectId: string, id: string): Promise<boolean> {
  const alert = await findAlert(storage, projectId, id);
  if (!alert) return false;
  await storage.insertRows(ALERT_TABLES.alerts, [alertRow(alert, 1)]);
  return true;
}

export type AlertRunTrigger = (typeof ALERT_RUN_TRIGGERS)[number];
export type AlertRunDeliveryState = (typeof ALERT_RUN_DELIVERY_STATES)[number];

/** One evaluation as stored. */
export interface AlertRunRecord {
  projectId: string;
  alertId: string;
  /** `s_<period start ms>` for the scheduler's (one per period), `c_<random>` for a check. */
  runId: string;
  trigger: AlertRunTrigger;
  evaluatedAtMs: number;
  tz: string;
  periodStartMs: number;
  periodEndMs: number;
  previousStartMs: number;
  value: number | null;
  previousValue: number | null;
  changePct: number | null;
  currency: string | null;
  fired: boolean;
  reason: string;
  deliveryState: AlertRunDeliveryState;
  /** 0 without an answer. */
  statusCode: number;
  deliveryError: string;
  durationMs: number;
}

/** Writes an evaluation; writing the same run id again (its delivery outcome) replaces it. */
export async function recordAlertRun(storage: Storage, run: AlertRunRecord): Promise<void> {
  await storage.insertRows(ALERT_TABLES.runs, [
    {
      project_id: run.projectId,
      alert_id: run.alertId,
      run_id: run.runId,
      trigger: run.trigger,
      evaluated_at: toClickHouseTime(run.evaluatedAtMs),
      tz: run.tz,
      period_start: toClickHouseTime(run.periodStartMs),
      period_end: toClickHouseTime(run.periodEndMs),
      previous_start: toClickHouseTime(run.previousStartMs),
      value: run.value,
      previous_value: run.previousValue,
      change_pct: run.changePct,
      currency: run.currency ?? "",
      fired: run.fired ? 1 : 0,
      reason: run.reason.slice(0, 1000),
      delivery_state: run.deliveryState,
      status_code: run.statusCode,
      delivery_error: run.deliveryError.slice(0, 1000),
      duration_ms: Math.max(0, Math.round(run.durationMs)),
      version: toClickHouseTime(nextRowVersionMs()),
    },
  ]);
}

const nullableNum = z.union([z.null(), num]);
const RunRowSchema = z.object({
  project_id: z.string(),
  alert_id: z.string(),
  run_id: z.string(),
  trigger: z.enum(ALERT_RUN_TRIGGERS),
  evaluated_ms: num,
  tz: z.string(),
  period_start_ms: num,
  period_end_ms: num,
  previous_start_ms: num,
  value: nullableNum,
  previous_value: nullableNum,
  change_pct: nullableNum,
  currency: z.string(),
  fired: num,
  reason: z.string(),
  delivery_state: z.enum(ALERT_RUN_DELIVERY_STATES),
  status_code: num,
  delivery_error: z.string(),
  duration_ms: num,
});

const RUN_COLUMNS = `project_id, alert_id, run_id, toString(trigger) AS trigger, toUnixTimestamp64Milli(evaluated_at) AS evaluated_ms, tz,
  toUnixTimestamp64Milli(period_start) AS period_start_ms, toUnixTimestamp64Milli(period_end) AS period_end_ms,
  toUnixTimestamp64Milli(previous_start) AS previous_start_ms, value, previous_value, change_pct, currency, fired, reason,
  toString(delivery_state) AS delivery_state, status_code, delivery_error, duration_ms`;

const toRun = (row: z.infer<typeof RunRowSchema>): AlertRunRecord => ({
  projectId: row.project_id,
  alertId: row.alert_id,
  runId: row.run_id,
  trigger: row.trigger,
  evaluatedAtMs: row.evaluated_ms,
  tz: row.tz,
  periodStartMs: row.period_start_ms,
  periodEndMs: row.period_end_ms,
  previousStartMs: row.previous_start_ms,
  value: row.value,
  previousValue: row.previous_value,
  changePct: row.change_pct,
  currency: row.currency === "" ? null : row.currency,
  fired: row.fired === 1,
  reason: row.reason,
  deliveryState: row.delivery_state,
  statusCode: row.status_code,
  deliveryError: row.delivery_error,
  durationMs: row.duration_ms,
});

/** The evaluations of one alert that fired, newest first. */
export async function firedAlertRuns(storage: Storage, projectId: string, alertId: string, limit: number): Promise<AlertRunRecord[]> {
  const rows = await runQuery(
    storage,
    `SELECT ${RUN_COLUMNS} FROM ${storage.database}.${ALERT_TABLES.runs} FINAL
     WHERE project_id = {projectId:String} AND alert_id = {alertId:String} AND fired = 1
     ORDER BY evaluated_at DESC, run_id DESC LIMIT {limit:UInt32}`,
    { projectId, alertId, limit },
    RunRowSchema,
  );
  return rows.map(toRun);
}

/** The latest evaluation (either trigger) of each of these alerts. */
export async function latestAlertRuns(storage: Storage, projectId: string, alertIds: readonly string[]): Promise<Map<string, AlertRunRecord>> {
  if (alertIds.length === 0) return new Map();
  const rows = await runQuery(
    storage,
    `SELECT ${RUN_COLUMNS} FROM ${storage.database}.${ALERT_TABLES.runs} FINAL
     WHERE project_id = {projectId:String} AND alert_id IN {ids:Array(String)}
     ORDER BY evaluated_at DESC, run_id DESC LIMIT 1 BY alert_id`,
    { projectId, ids: alertIds },
    RunRowSchema,
  );
  return new Map(rows.map((row) => [row.alert_id, toRun(row)]));
}

/**
 * The start of the latest period the scheduler evaluated, per `<project>/<alert>`: its state, in storage so a
 * restart neither evaluates a period again nor skips the one that ended while it was down.
 */
export async function lastScheduledPeriods(storage: Storage): Promise<Map<string, number>> {
  const rows = await runQuery(
    storage,
    `SELECT project_id, alert_id, toUnixTimestamp64Milli(max(period_start)) AS start_ms FROM ${storage.database}.${ALERT_TABLES.runs}
     WHERE trigger = 'schedule' GROUP BY project_id, alert_id`,
    {},
    z.object({ project_id: z.string(), alert_id: z.string(), start_ms: num }),
  );
  return new Map(rows.map((row) => [`${row.project_id}/${row.alert_id}`, row.start_ms]));
}
