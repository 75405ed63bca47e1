import { randomUUID } from "node:crypto";
import type { Storage } from "@chatfunnel/core";
import { DEFAULT_PROJECT_LANGUAGE, type AlertRun } from "@chatfunnel/schemas";
import { readProjectSettings, recordAlertRun, type AlertRecord, type AlertRunRecord, type AlertRunTrigger } from "@chatfunnel/warehouse";
import { projectTimeZone } from "../metrics/project-settings.js";
import { waitingText, type AlertRetries } from "./alert-outbox.js";
import { alertText, type AlertLanguage } from "./alert-text.js";
import { deliverAlert, type AlertDeliveryConfig } from "./deliver-alert.js";
import { evaluateAlert } from "./evaluate-alert.js";
import { alertPeriods, type AlertPeriods } from "./periods.js";

/** The language alert messages of a project are written in: its `language` setting, as digests use it. */
export async function projectLanguage(storage: Storage, projectId: string): Promise<AlertLanguage> {
  return (await readProjectSettings(storage, projectId))?.language ?? DEFAULT_PROJECT_LANGUAGE;
}

/** The scheduler's run of one period has one id, so its rows (sending, then the outcome) replace each other. */
export const scheduledRunId = (periods: AlertPeriods): string => `s_${periods.startMs}`;

/**
 * Evaluates the alert on these periods, records it, and when it fires sends the message once: the run is
 * recorded as `sending` before the send and again with the outcome, so a process stopping mid-send leaves a
 * `sending` run that no restart sends again (at most once per period). With `retries` (the scheduler's runs),
 * a Telegram message that failed for a passing reason waits in the retry queue: the run stays `sending`, its
 * delivery error saying why and when the next attempt is, until the queue records the outcome.
 */
export async function runAlertPeriods(
  storage: Storage,
  config: AlertDeliveryConfig,
  alert: AlertRecord,
  run: { trigger: AlertRunTrigger; runId: string; periods: AlertPeriods; tz: string; nowMs: number },
  retries?: AlertRetries,
): Promise<AlertRunRecord> {
  const evaluation = await evaluateAlert(storage, alert, run.periods, run.tz);
  const record: AlertRunRecord = {
    projectId: alert.projectId,
    alertId: alert.id,
    runId: run.runId,
    trigger: run.trigger,
    evaluatedAtMs: run.nowMs,
    tz: run.tz,
    periodStartMs: run.periods.startMs,
    periodEndMs: run.periods.endMs,
    previousStartMs: run.periods.previousStartMs,
    value: evaluation.value,
    previousValue: evaluation.previousValue,
    changePct: evaluation.changePct,
    currency: evaluation.currency,
    fired: evaluation.fired,
    reason: evaluation.reason,
    deliveryState: evaluation.fired ? "sending" : "none",
    statusCode: 0,
    deliveryError: "",
    durationMs: 0,
  };
  await recordAlertRun(storage, record);
  if (!evaluation.fired) return record;
  const text = alertText(await projectLanguage(storage, alert.projectId), {
    name: alert.name,
    metric: alert.metric,
    filters: alert.filters,
    condition: alert.condition,
    schedule: alert.schedule,
    ...(evaluation.funnelName === undefined ? {} : { funnelName: evaluation.funnelName }),
    value: evaluation.value,
    previousValue: evaluation.previousValue,
    changePct: evaluation.changePct,
    currency: evaluation.currency,
    periodStartMs: run.periods.startMs,
    periodEndMs: run.periods.endMs,
    tz: run.tz,
  });
  const telegram = alert.deliver.telegram;
  if (retries && telegram) {
    const first = await retries.outbox.firstAttempt(telegram, {
      projectId: alert.projectId,
      kind: "alert",
      ownerId: alert.id,
      sendId: record.runId,
      calls: [{ method: "sendMessage", text }],
      giveUpMs: Date.now() + retries.retryForMs,
      context: JSON.stringify(record),
    });
    const outcome: AlertRunRecord = first.settlement
      ? { ...record, deliveryState: first.settlement.state, statusCode: first.settlement.statusCode ?? 0, deliveryError: first.settlement.error ?? "", durationMs: first.settlement.durationMs }
      : { ...record, statusCode: first.waiting?.lastStatus ?? 0, deliveryError: first.waiting ? waitingText(first.waiting) : "" };
    await recordAlertRun(storage, outcome);
    return outcome;
  }
  const { delivery: _none, ...runView } = alertRunView(record);
  const sent = await deliverAlert(config, alert, {
    deliveryId: `${alert.id}:${record.runId}`,
    alert: { id: alert.id, name: alert.name, metric: alert.metric, condition: alert.condition, schedule: alert.schedule },
    run: runView,
    text,
  });
  const done: AlertRunRecord = { ...record, deliveryState: sent.ok ? "sent" : "failed", statusCode: sent.statusCode ?? 0, deliveryError: sent.error ?? "", durationMs: sent.durationMs };
  await recordAlertRun(storage, done);
  return done;
}

/** POST /alerts/{id}/check: the last full period now, evaluated and (if it fires) sent; not the scheduler's state. */
export async function checkAlertNow(storage: Storage, config: AlertDeliveryConfig, alert: AlertRecord, nowMs = Date.now()): Promise<AlertRunRecord> {
  const tz = await projectTimeZone(storage, alert.projectId);
  const periods = alertPeriods(alert.schedule, nowMs, tz);
  return runAlertPeriods(storage, config, alert, { trigger: "check", runId: `c_${randomUUID().replaceAll("-", "").slice(0, 20)}`, periods, tz, nowMs });
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A stored run as the API answers it. */
export function alertRunView(run: AlertRunRecord): AlertRun {
  return {
    runId: run.runId,
    trigger: run.trigger,
    evaluatedAt: iso(run.evaluatedAtMs),
    tz: run.tz,
    period: { from: iso(run.periodStartMs), to: iso(run.periodEndMs) },
    previousPeriod: { from: iso(run.previousStartMs), to: iso(run.periodStartMs) },
    value: run.value,
    previousValue: run.previousValue,
    changePct: run.changePct,
    currency: run.currency,
    fired: run.fired,
    reason: run.reason,
    delivery:
      run.deliveryState === "none"
        ? null
        : { state: run.deliveryState, statusCode: run.statusCode === 0 ? null : run.statusCode, error: run.deliveryError === "" ? null : run.deliveryError, durationMs: run.durationMs },
  };
}
