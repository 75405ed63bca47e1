import type { DigestPeriod, DigestSchedule } from "@chatfunnel/schemas";
import { zonedTimeToUtc } from "../http/time-range.js";

/**
 * A digest's periods as local dates in the project's zone: a day (midnight to midnight, 23 or 25 hours on a
 * DST day) or an ISO week, Monday to Sunday. Dates are `YYYY-MM-DD` text, and arithmetic on them is on the
 * civil calendar (never by adding 24 hours), so a period always starts and ends at a local midnight.
 */

/** The scheduler sends a period at this local hour of the day after it ends (a morning digest). */
export const DIGEST_SEND_HOUR = 9;

const DAY_MS = 86_400_000;

export const periodDays = (schedule: DigestSchedule): number => (schedule === "daily" ? 1 : 7);

/** The local date (in `tz`) of an instant. */
export function localDateOf(instantMs: number, tz: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(instantMs));
}

function civil(date: string): { year: number; month: number; day: number } {
  const [year, month, day] = date.split("-").map(Number);
  return { year: year ?? 1970, month: month ?? 1, day: day ?? 1 };
}

export function addDays(date: string, days: number): string {
  const { year, month, day } = civil(date);
  return new Date(Date.UTC(year, month - 1, day) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 1 = Monday … 7 = Sunday. */
function isoWeekday(date: string): number {
  const { year, month, day } = civil(date);
  return ((new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7) + 1;
}

/** The first day of the period that holds `date`: the date itself, or the Monday of its week. */
function periodStart(schedule: DigestSchedule, date: string): string {
  return schedule === "daily" ? date : addDays(date, 1 - isoWeekday(date));
}

/** A local wall-clock time on a date, as a UTC instant. */
export function localTimeMs(date: string, tz: string, hour = 0): number {
  const { year, month, day } = civil(date);
  return zonedTimeToUtc(year, month, day, tz, hour);
}

export interface LocalPeriod {
  /** First day. */
  from: string;
  /** The day after the last one. */
  to: string;
}

export function toDigestPeriod(period: LocalPeriod, tz: string): DigestPeriod {
  return { from: period.from, to: period.to, tz, fromUtc: new Date(localTimeMs(period.from, tz)).toISOString(), toUtc: new Date(localTimeMs(period.to, tz)).toISOString() };
}

export function previousPeriod(schedule: DigestSchedule, period: LocalPeriod): LocalPeriod {
  return { from: addDays(period.from, -periodDays(schedule)), to: period.from };
}

function nextPeriod(schedule: DigestSchedule, period: LocalPeriod): LocalPeriod {
  return { from: period.to, to: addDays(period.to, periodDays(schedule)) };
}

/** When the scheduler sends a period: DIGEST_SEND_HOUR local time on the day after it ends. */
export function sendTimeMs(period: LocalPeriod, tz: string): number {
  return localTimeMs(period.to, tz, DIGEST_SEND_HOUR);
}

/** The last period that has fully ended by `nowMs`: yesterday, or last Monday–Sunday. What "send now" reports. */
export function lastFullPeriod(schedule: DigestSchedule, nowMs: number, tz: string): LocalPeriod {
  const to = periodStart(schedule, localDateOf(nowMs, tz));
  return { from: addDays(to, -periodDays(schedule)), to };
}

/** The latest period whose send time has come by `nowMs`: what the scheduler owes now, if it has not sent it. */
export function latestDuePeriod(schedule: DigestSchedule, nowMs: number, tz: string): LocalPeriod {
  const last = lastFullPeriod(schedule, nowMs, tz);
  return sendTimeMs(last, tz) <= nowMs ? last : previousPeriod(schedule, last);
}

/** The first send time after `nowMs`. */
export function nextSendTimeMs(schedule: DigestSchedule, nowMs: number, tz: string): number {
  return sendTimeMs(nextPeriod(schedule, latestDuePeriod(schedule, nowMs, tz)), tz);
}
