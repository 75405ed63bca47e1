import { firstTouchCampaignsSql } from "./first-touch.js";

/** The common filters after resolution: UTC instants and the time zone every bucket follows. */
export interface ResolvedFilters {
  projectId: string;
  fromMs: number;
  toMs: number;
  tz: string;
  channels: string[] | undefined;
  botId: string | undefined;
  campaign: string | undefined;
  currency: string | undefined;
}

/**
 * A WHERE fragment with the values it binds: fixed SQL text, values only through typed placeholders.
 * Fragments that share placeholder names bind the same values, so scopes of one request combine.
 */
export interface Scope {
  readonly sql: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** The range and zone every fact reads: `range_from` / `range_to` come from these (see RANGE_HEAD). */
export function rangeParams(filters: ResolvedFilters): Record<string, unknown> {
  return { from: filters.fromMs / 1000, to: filters.toMs / 1000, tz: filters.tz };
}

/**
 * The scope of event rows (and of the rollups, which share their columns). The campaign filter is
 * user-level first touch, like lead attribution (first-touch.ts), over all of the user's events.
 */
export function eventScope(filters: ResolvedFilters, db: string): Scope {
  const parts = ["project_id = {projectId:String}"];
  if (filters.channels) parts.push("channel IN {channels:Array(String)}");
  if (filters.botId !== undefined) parts.push("bot_id = {botId:String}");
  if (filters.campaign !== undefined) {
    parts.push(`(channel, user_id) IN (SELECT channel, user_id FROM (${firstTouchCampaignsSql(db)}) WHERE campaign = {campaign:String})`);
  }
  return {
    sql: parts.join(" AND "),
    params: {
      projectId: filters.projectId,
      channels: filters.channels ?? [],
      botId: filters.botId ?? "",
      campaign: filters.campaign ?? "",
      ...rangeParams(filters),
    },
  };
}

/**
 * The scope of spend rows, dates aside. Spend rows are per local day, channel and campaign: botId
 * does not apply to them, the campaign filter matches the row's own campaign.
 */
export function spendRowScope(filters: ResolvedFilters): Scope {
  const parts = ["project_id = {projectId:String}"];
  if (filters.channels) parts.push("channel IN {channels:Array(String)}");
  if (filters.campaign !== undefined) parts.push("campaign = {campaign:String}");
  return { sql: parts.join(" AND "), params: { projectId: filters.projectId, channels: filters.channels ?? [], campaign: filters.campaign ?? "" } };
}

/** The WITH head binding the range as DateTime64 instants. */
export const RANGE_HEAD = `
  toDateTime64({from:Float64}, 3, 'UTC') AS range_from,
  toDateTime64({to:Float64}, 3, 'UTC') AS range_to`;

/** The head for queries that also compute the previous period [prev_from, from). */
export const RANGE_HEAD_WITH_PREVIOUS = `${RANGE_HEAD},
  toDateTime64({prevFrom:Float64}, 3, 'UTC') AS prev_from`;
