/**
 * The calendar dates the product answers about, as written in a bound (before any zone applies): events
 * are stored from 2000-01-01 on, and beyond 2100 nothing is stored yet. Inside it every instant, the
 * previous period of the longest range, and every local day fit the engine's DateTime64 and Date types,
 * and JavaScript's Date never reads a year as 19xx (Date.UTC(1, …) is 1901).
 */
export const MIN_RANGE_DATE = "2000-01-01";
export const MAX_RANGE_DATE = "2100-01-01";

/** True when a YYYY-MM-DD… text's date part lies in [MIN_RANGE_DATE, MAX_RANGE_DATE]. */
export const inSupportedDates = (text: string): boolean => text.slice(0, 10) >= MIN_RANGE_DATE && text.slice(0, 10) <= MAX_RANGE_DATE;

/** Longer than any IANA name (the longest is 32 characters): no zone lookup for a huge string. */
export const MAX_TIME_ZONE_LENGTH = 64;
export const TIME_ZONE_MESSAGE = "must be an IANA time zone such as Europe/Moscow or UTC";

/**
 * The shape of `tz`, checkable anywhere (the dashboard too): a name this JavaScript runtime can compute
 * with. The API then accepts only the names the storage engine also loads (system.time_zones); see
 * api/src/http/time-zones.ts.
 */
export function isValidTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > MAX_TIME_ZONE_LENGTH) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
