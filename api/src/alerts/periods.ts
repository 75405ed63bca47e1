import type { AlertSchedule } from "@chatfunnel/schemas";
import { zoneOffsetMs, zonedTimeToUtc } from "../http/time-range.js";

const HOUR_MS = 3_600_000;

/** The start of the local hour (minute 0 on the zone's clock) holding `ms`; zones at :30 and :45 offsets included. */
export function localHourStart(ms: number, tz: string): number {
  const local = ms + zoneOffsetMs(ms, tz);
  return ms - (((local % HOUR_MS) + HOUR_MS) % HOUR_MS);
}

/** The instant the local day holding `ms` began (midnight in `tz`, or the first instant after a DST gap). */
export function localDayStart(ms: number, tz: string): number {
  const local = new Date(ms + zoneOffsetMs(ms, tz));
  return zonedTimeToUtc(local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate(), tz);
}

const periodStart = (schedule: AlertSchedule, ms: number, tz: string) => (schedule === "hourly" ? localHourStart(ms, tz) : localDayStart(ms, tz));

/** The period an alert looks at and the one before it: [startMs, endMs) and [previousStartMs, startMs). */
export interface AlertPeriods {
  startMs: number;
  endMs: number;
  previousStartMs: number;
}

/**
 * The last full hour or day in `tz` at `nowMs` (the one that ended most recently) and the one before it. A day
 * is a calendar day on the zone's clock, 23 or 25 hours across a DST change, so the two may differ in length.
 */
export function alertPeriods(schedule: AlertSchedule, nowMs: number, tz: string): AlertPeriods {
  const endMs = periodStart(schedule, nowMs, tz);
  const startMs = periodStart(schedule, endMs - 1, tz);
  return { startMs, endMs, previousStartMs: periodStart(schedule, startMs - 1, tz) };
}
