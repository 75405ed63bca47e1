import type { Logger, Storage } from "@chatfunnel/core";
import { allAlerts, lastScheduledPeriods, type AlertRunRecord } from "@chatfunnel/warehouse";
import { projectTimeZone } from "../metrics/project-settings.js";
import type { TelegramRetryPolicy } from "../notify/telegram-outbox.js";
import { createAlertRetries, type AlertRetries } from "./alert-outbox.js";
import type { AlertDeliveryConfig } from "./deliver-alert.js";
import { alertPeriods } from "./periods.js";
import { runAlertPeriods, scheduledRunId } from "./run-alert.js";

export interface AlertSchedulerOptions {
  /** How often due alerts are looked for; default 30 s. */
  pollMs?: number;
  /**
   * How long after a period ends it is evaluated (default 60 s): events of its last seconds still on their
   * way through the consumer are counted.
   */
  settleMs?: number;
  /** The clock (tests move it). */
  now?: () => number;
  /** Each recorded run (metrics, tests). */
  onRun?: (run: AlertRunRecord) => void;
  /** Retries of Telegram messages through an outage: the backoff, and how long (default 1 h). */
  retry?: { policy?: TelegramRetryPolicy; forMs?: number };
}

/**
 * Evaluates due alerts: an hourly alert once after each hour of the project's zone ends, a daily one once after
 * each day ends. Its state is in storage (the latest period the scheduler evaluated per alert, from the runs
 * table), so a restart evaluates the period that ended while it was down, once, and no period twice; periods
 * older than the latest are not caught up (one message about the present, not a burst about the past). An alert's
 * first period is the one it was created in. One instance runs at a time: in-process in the embedded default,
 * in the worker holding the lease in distributed mode.
 */
export class AlertScheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<AlertRunRecord[]> | undefined;
  private readonly pollMs: number;
  private readonly settleMs: number;
  private readonly now: () => number;
  /** The Telegram messages waiting for another attempt, retried while the scheduler runs. */
  readonly retries: AlertRetries;

  constructor(
    private readonly storage: Storage,
    private readonly config: AlertDeliveryConfig,
    private readonly logger: Logger,
    private readonly options: AlertSchedulerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 30_000;
    this.settleMs = options.settleMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.retries = createAlertRetries(storage, config, logger, options.retry?.policy, options.retry?.forMs);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Looks for due alerts now and then every pollMs; a second start is a no-op. */
  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.timer.unref();
    void this.tick();
    this.retries.outbox.start();
  }

  /** Stops looking and waits for the evaluation and the retry in flight, whose runs are then recorded. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([this.ticking, this.retries.outbox.stop()]);
  }

  /** One pass over every alert; a pass still running is joined, not doubled. */
  tick(): Promise<AlertRunRecord[]> {
    this.ticking ??= this.pass().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async pass(): Promise<AlertRunRecord[]> {
    const runs: AlertRunRecord[] = [];
    let alerts;
    let done;
    try {
      [alerts, done] = await Promise.all([allAlerts(this.storage), lastScheduledPeriods(this.storage)]);
    } catch (error) {
      this.logger.warn("alert scheduler could not read alerts; retried at the next tick", { error });
      return runs;
    }
    const zones = new Map<string, Promise<string>>();
    for (const alert of alerts) {
      try {
        if (!zones.has(alert.projectId)) zones.set(alert.projectId, projectTimeZone(this.storage, alert.projectId));
        const tz = await zones.get(alert.projectId)!;
        const nowMs = this.now();
        const periods = alertPeriods(alert.schedule, nowMs - this.settleMs, tz);
        if (periods.endMs <= Date.parse(alert.createdAt)) continue;
        if ((done.get(`${alert.projectId}/${alert.id}`) ?? -Infinity) >= periods.startMs) continue;
        const run = await runAlertPeriods(this.storage, this.config, alert, { trigger: "schedule", runId: scheduledRunId(periods), periods, tz, nowMs }, this.retries);
        runs.push(run);
        this.options.onRun?.(run);
        if (run.fired) this.logger.info("alert fired", { projectId: alert.projectId, alertId: alert.id, delivery: run.deliveryState, error: run.deliveryError || undefined });
      } catch (error) {
        // Nothing was recorded for the period, so the next tick evaluates it again.
        this.logger.warn("alert evaluation failed; retried at the next tick", { projectId: alert.projectId, alertId: alert.id, error });
      }
    }
    return runs;
  }
}
