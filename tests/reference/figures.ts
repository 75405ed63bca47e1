/** Small arithmetic and calendar helpers of the broadcasts/support/surveys/paths references. */
import type { Interval } from "@chatfunnel/schemas";
import { refLocalDate } from "./metrics.js";

export const iso = (ms: number): string => new Date(ms).toISOString();
export const round4 = (value: number): number => Math.round(value * 1e4) / 1e4;
export const rate = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);
export const money4 = (amount4: number, currency: string) => ({ amount: round4(amount4 / 1e4), currency });

/** The median (mean of the two middle values for an even count) in whole milliseconds, then seconds. */
export function medianSeconds(valuesMs: number[]): number | null {
  if (valuesMs.length === 0) return null;
  const sorted = [...valuesMs].sort((a, b) => a - b);
  const h = (sorted.length - 1) / 2;
  const low = sorted[Math.floor(h)]!;
  const high = sorted[Math.ceil(h)]!;
  return Math.round(low + (h - Math.floor(h)) * (high - low)) / 1000;
}

/**
 * The instant the local hour containing `ms` starts in `tz`. Every zone's offset is a multiple of 15 minutes,
 * so local seconds equal UTC seconds and only the local minute has to be looked up.
 */
export function hourStartMs(ms: number, tz: string): number {
  const minute = Number(new Intl.DateTimeFormat("en-US", { timeZone: tz, minute: "numeric" }).format(new Date(ms)));
  return ms - (((ms % 60_000) + 60_000) % 60_000) - minute * 60_000;
}

const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The local date a bucket starts on: the day, the Monday of the week, the 1st of the month. */
export function bucketOf(date: string, interval: Interval): string {
  if (interval === "day") return date;
  if (interval === "month") return `${date.slice(0, 7)}-01`;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // Sunday = 0
  return addDays(date, -((weekday + 6) % 7));
}

/** Every bucket label of [from, to) in `tz`, in order, as timeseries lists them. */
export function bucketLabels(fromMs: number, toMs: number, tz: string, interval: Interval): string[] {
  const labels: string[] = [];
  const last = bucketOf(refLocalDate(toMs - 1, tz), interval);
  for (let day = refLocalDate(fromMs, tz); bucketOf(day, interval) <= last; day = addDays(day, 1)) {
    const label = bucketOf(day, interval);
    if (labels[labels.length - 1] !== label) labels.push(label);
  }
  return labels;
}

export const bucketAt = (ms: number, tz: string, interval: Interval): string => bucketOf(refLocalDate(ms, tz), interval);

/** Text order as the engine sorts String: by UTF-8 bytes (JS `<` compares UTF-16 units, which differs past U+FFFF). */
export const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
/** byteOrder with null last. */
export const byteOrderNullLast = (a: string | null, b: string | null): number => (a === b ? 0 : a === null ? 1 : b === null ? -1 : byteOrder(a, b));

/** A user's events in time order; equal times by event id as text (ids are lowercase UUIDs, so plain comparison). */
export const byTimeThenId = (a: { ts: number; id: string }, b: { ts: number; id: string }): number => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
