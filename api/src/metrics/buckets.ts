import type { Interval } from "@chatfunnel/schemas";

/** The local calendar date (YYYY-MM-DD) of an instant in `tz`. */
export function localDate(instantMs: number, tz: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(instantMs));
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** Calendar arithmetic on YYYY-MM-DD, independent of any zone (dates are labels, not instants). */
const toDayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
const fromDayNumber = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);

/** The date a bucket containing `date` starts on: the day, its week's Monday, its month's 1st. */
export function bucketStart(date: string, interval: Interval): string {
  if (interval === "day") return date;
  if (interval === "month") return `${date.slice(0, 7)}-01`;
  const day = toDayNumber(date);
  const weekday = (new Date(day * 86_400_000).getUTCDay() + 6) % 7; // Monday = 0
  return fromDayNumber(day - weekday);
}

/** The start of the bucket after the one starting on `start`. */
export function nextBucket(start: string, interval: Interval): string {
  if (interval === "day") return fromDayNumber(toDayNumber(start) + 1);
  if (interval === "week") return fromDayNumber(toDayNumber(start) + 7);
  const [year, month] = start.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);
}

/**
 * Every bucket label of [from, to) in order: from the bucket holding `from` to the one holding the
 * last millisecond before `to`. Buckets are local calendar units, so DST days are simply days.
 */
export function bucketLabels(fromMs: number, toMs: number, tz: string, interval: Interval): string[] {
  const first = bucketStart(localDate(fromMs, tz), interval);
  const last = bucketStart(localDate(toMs - 1, tz), interval);
  const labels: string[] = [];
  for (let label = first; label <= last; label = nextBucket(label, interval)) labels.push(label);
  return labels;
}

/** SQL for the bucket label of a DateTime64 `column` in `{tz}`, from an allow-list. */
export const BUCKET_OF_TIME: Record<Interval, (column: string) => string> = {
  day: (column) => `toString(toDate(toTimeZone(${column}, {tz:String})))`,
  week: (column) => `toString(toMonday(toDate(toTimeZone(${column}, {tz:String}))))`,
  month: (column) => `toString(toStartOfMonth(toDate(toTimeZone(${column}, {tz:String}))))`,
};

/** SQL for the bucket label of a Date `column` (spend rows carry local dates already). */
export const BUCKET_OF_DATE: Record<Interval, (column: string) => string> = {
  day: (column) => `toString(${column})`,
  week: (column) => `toString(toMonday(${column}))`,
  month: (column) => `toString(toStartOfMonth(${column}))`,
};

/**
 * SQL for the sequential number of the bucket holding a DateTime64 `column` in `{tz}`: consecutive buckets
 * differ by 1, so a difference is a count of periods (retention). Days since the epoch; Mondays since the
 * epoch over 7 (every Monday's day number is 4 mod 7); months as year * 12 + month.
 */
export const BUCKET_NUMBER_OF_TIME: Record<Interval, (column: string) => string> = {
  day: (column) => `toRelativeDayNum(toDate(toTimeZone(${column}, {tz:String})))`,
  week: (column) => `intDiv(toRelativeDayNum(toMonday(toDate(toTimeZone(${column}, {tz:String})))), 7)`,
  month: (column) => `toRelativeMonthNum(toDate(toTimeZone(${column}, {tz:String})))`,
};
