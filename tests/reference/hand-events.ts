/** Hand-written streams for the reference unit tests: one line per event, times in minutes from T0. */
import type { Event } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { dedupe, type RefEvent } from "./events.js";

export const T0 = Date.UTC(2026, 4, 12, 9, 0);
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

let counter = 0;
/** An event of `user` at T0 + `atMs`; ids increase in creation order unless given. */
export function hev(user: string, type: string, atMs: number, extra: Partial<Event> = {}): Event {
  counter++;
  return {
    id: `00000000-0000-4000-8000-${counter.toString(16).padStart(12, "0")}`,
    type,
    channel: "telegram",
    botId: "bot-a",
    userId: user,
    timestamp: new Date(T0 + atMs).toISOString(),
    ...extra,
  };
}

export const refEvents = (events: Event[]): RefEvent[] => dedupe(events);

/** [T0 + fromMs, T0 + toMs) in `tz`, no other filter. */
export function hfilters(fromMs: number, toMs: number, extra: Partial<ResolvedFilters> = {}): ResolvedFilters {
  return { projectId: "p", fromMs: T0 + fromMs, toMs: T0 + toMs, tz: "UTC", channels: undefined, botId: undefined, campaign: undefined, currency: undefined, ...extra };
}
