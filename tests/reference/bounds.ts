import type { ResolvedFilters } from "@chatfunnel/warehouse";
import type { RandomQuery } from "../support/random-events.js";
import { refLocalDate } from "./metrics.js";

/**
 * Independent of the API's time-range code: a date bound is the first instant whose local date
 * in `tz` is that date (local midnight, or the moment clocks jumped past it). Every zone's offset
 * is a multiple of 15 minutes, so scanning a quarter-hour grid around the UTC midnight finds it.
 */
export function refBoundMs(bound: string, tz: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(bound)) return Date.parse(bound);
  const utcMidnight = Date.parse(`${bound}T00:00:00Z`);
  const quarter = 15 * 60 * 1000;
  for (let k = -15 * 4; k <= 15 * 4; k++) {
    const instant = utcMidnight + k * quarter;
    if (refLocalDate(instant, tz) === bound) return instant;
  }
  throw new Error(`no local midnight found for ${bound} in ${tz}`);
}

export function refFilters(projectId: string, query: RandomQuery): ResolvedFilters {
  return {
    projectId,
    fromMs: refBoundMs(query.from, query.tz),
    toMs: refBoundMs(query.to, query.tz),
    tz: query.tz,
    channels: query.channel,
    botId: query.botId,
    campaign: query.campaign,
    currency: query.currency,
  };
}
