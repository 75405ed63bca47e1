import { CHANNELS as CHANNEL_OPTIONS, isChannel, isValidTimeZone, type Channel } from "@chatfunnel/contract";

/** The channels a filter can pick: the event contract's list. */
export { CHANNEL_OPTIONS };

export const PRESETS = ["7d", "30d", "90d", "thisMonth", "lastMonth", "custom"] as const;
export type Preset = (typeof PRESETS)[number];

/** The global filters as they live in the URL. Dates are calendar days in `tz`, `to` inclusive. */
export interface Filters {
  preset: Preset;
  from: string;
  to: string;
  tz: string;
  channels: Channel[];
  botId: string;
  campaign: string;
}

export const DEFAULT_PRESET = "30d" satisfies Preset;

function isPresetName(value: string | null): value is Exclude<Preset, "custom"> {
  return value !== "custom" && (PRESETS as readonly (string | null)[]).includes(value);
}
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** Today's calendar date in `tz`, as YYYY-MM-DD. */
export function todayIn(tz: string, now: Date = new Date()): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function validDate(value: string | null): value is string {
  return value !== null && DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

/** The calendar range a preset means on `today` (both ends inclusive). */
export function presetRange(preset: Exclude<Preset, "custom">, today: string): { from: string; to: string } {
  switch (preset) {
    case "7d":
      return { from: addDays(today, -6), to: today };
    case "30d":
      return { from: addDays(today, -29), to: today };
    case "90d":
      return { from: addDays(today, -89), to: today };
    case "thisMonth":
      return { from: `${today.slice(0, 8)}01`, to: today };
    case "lastMonth": {
      const firstOfThis = `${today.slice(0, 8)}01`;
      const lastOfPrevious = addDays(firstOfThis, -1);
      return { from: `${lastOfPrevious.slice(0, 8)}01`, to: lastOfPrevious };
    }
  }
}

/** Reads the filters from the query string; anything missing or invalid falls back to a default. */
export function parseFilters(params: URLSearchParams, now: Date = new Date(), defaultTz = browserTimeZone()): Filters {
  const tzParam = params.get("tz");
  const tz = tzParam && isValidTimeZone(tzParam) ? tzParam : defaultTz;
  const from = params.get("from");
  const to = params.get("to");
  const rangeParam = params.get("range");
  const channels = params.getAll("channel").filter(isChannel);
  const common = { tz, channels: [...new Set(channels)], botId: params.get("bot") ?? "", campaign: params.get("campaign") ?? "" };
  if (validDate(from) && validDate(to) && from <= to && (rangeParam === null || rangeParam === "custom")) {
    return { preset: "custom", from, to, ...common };
  }
  const preset: Exclude<Preset, "custom"> = isPresetName(rangeParam) ? rangeParam : DEFAULT_PRESET;
  return { preset, ...presetRange(preset, todayIn(tz, now)), ...common };
}

/** Writes the filters into the query string, keeping page-specific parameters. */
export function writeFilters(params: URLSearchParams, filters: Filters): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const name of ["range", "from", "to", "tz", "channel", "bot", "campaign"]) next.delete(name);
  if (filters.preset === "custom") {
    next.set("from", filters.from);
    next.set("to", filters.to);
  } else {
    next.set("range", filters.preset);
  }
  next.set("tz", filters.tz);
  for (const channel of filters.channels) next.append("channel", channel);
  if (filters.botId) next.set("bot", filters.botId);
  if (filters.campaign) next.set("campaign", filters.campaign);
  return next;
}

/** The API's query for these filters: the range is [from, to) so `to` is the day after the last one. */
export interface ApiFilters {
  from: string;
  to: string;
  tz: string;
  channel: Channel[];
  botId?: string;
  campaign?: string;
}

export function toApiFilters(filters: Filters): ApiFilters {
  return {
    from: filters.from,
    to: addDays(filters.to, 1),
    tz: filters.tz,
    channel: [...filters.channels].sort(),
    ...(filters.botId ? { botId: filters.botId } : {}),
    ...(filters.campaign ? { campaign: filters.campaign } : {}),
  };
}

/** Number of calendar days in the range, both ends included. */
export function rangeDays(filters: Pick<Filters, "from" | "to">): number {
  return Math.round((Date.parse(`${filters.to}T00:00:00Z`) - Date.parse(`${filters.from}T00:00:00Z`)) / 86_400_000) + 1;
}
