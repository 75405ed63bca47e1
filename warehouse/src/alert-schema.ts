/**
 * The saved-funnel and alert tables (migrations 16 and 17), shared by the migrations that build them and the
 * stores that read and write them (saved-funnel-store.ts, alert-store.ts). Dependency-free, like webhook-schema.ts.
 */
export const ALERT_TABLES = {
  /** One row per change of a saved funnel (create, update, delete); the latest version wins (FINAL). */
  savedFunnels: "saved_funnels",
  /** One row per change of an alert, the same way. */
  alerts: "alerts",
  /**
   * One row per evaluation (scheduled or a check), written again with its delivery outcome under the same
   * run id: the history, and the scheduler's state (the latest scheduled period per alert) across restarts.
   */
  runs: "alert_runs",
} as const;

/** How long evaluations are kept; the scheduler only needs the latest one per alert. */
export const ALERT_RUNS_DAYS = 90;

export const ALERT_RUN_TRIGGERS = ["schedule", "check"] as const;
export const ALERT_RUN_DELIVERY_STATES = ["none", "sending", "sent", "failed"] as const;

let lastVersionMs = 0;
/**
 * A row version for ReplacingMergeTree, which keeps the largest: versions of one row must grow even within a
 * millisecond (create then delete in a test), so each write takes at least the previous one's + 1 ms.
 */
export function nextRowVersionMs(): number {
  lastVersionMs = Math.max(Date.now(), lastVersionMs + 1);
  return lastVersionMs;
}
