/** Date.UTC without its two-digit-year rule (Date.UTC(1, 0, 1) is 1901-01-01): year 1 is year 1. */
function utcMs(year: number, month0: number, day: number, hour = 0, minute = 0, second = 0): number {
  const ms = Date.UTC(year, month0, day, hour, minute, second);
  if (year < 0 || year > 99) return ms;
  const date = new Date(ms);
  date.setUTCFullYear(date.getUTCFullYear() - 1900);
  return date.getTime();
}

/** Offset of `tz` from UTC at `instantMs`, in ms (Europe/Moscow → +3h). */
export function zoneOffsetMs(instantMs: number, tz: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instantMs));
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = utcMs(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant a wall-clock time in `tz` happens. Inside a DST gap (the wall time does not exist)
 * it is the moment the clocks jumped, i.e. the first instant of that local day or hour.
 */
export function zonedTimeToUtc(year: number, month: number, day: number, tz: string, hour = 0, minute = 0): number {
  const wall = utcMs(year, month - 1, day, hour, minute);
  const guess = wall - zoneOffsetMs(wall, tz);
  const corrected = wall - zoneOffsetMs(guess, tz);
  if (corrected === guess) return guess;
  const maps = (instant: number) => instant + zoneOffsetMs(instant, tz) === wall;
  if (maps(corrected)) return corrected;
  if (maps(guess)) return guess;
  return Math.max(guess, corrected);
}

/** A range bound from the API: a date is midnight in `tz`; a date-time carries its own offset. */
export function boundToUtcMs(bound: string, tz: string): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(bound);
  if (date) return zonedTimeToUtc(Number(date[1]), Number(date[2]), Number(date[3]), tz);
  return Date.parse(bound);
}
