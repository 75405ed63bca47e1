import type { ResolvedFilters } from "../http/params.js";

/**
 * The WHERE fragment shared by every metric: fixed SQL text, values only through typed
 * placeholders. The campaign filter is user-level first touch, like lead attribution: the
 * source.campaign of the user's earliest event that has one (ties on time: the smallest event id
 * as text, since UUIDs do not compare as text in ClickHouse), over all of the user's events.
 */
export function scopeSql(filters: ResolvedFilters, db: string): string {
  const parts = ["project_id = {projectId:String}"];
  if (filters.channels) parts.push("channel IN {channels:Array(String)}");
  if (filters.botId !== undefined) parts.push("bot_id = {botId:String}");
  if (filters.campaign !== undefined) {
    parts.push(`(channel, user_id) IN (SELECT channel, user_id FROM (${firstTouchSql(db)}) WHERE campaign = {campaign:String})`);
  }
  return parts.join(" AND ");
}

export function scopeParams(filters: ResolvedFilters): Record<string, unknown> {
  return {
    projectId: filters.projectId,
    channels: filters.channels ?? [],
    botId: filters.botId ?? "",
    campaign: filters.campaign ?? "",
    from: filters.fromMs / 1000,
    to: filters.toMs / 1000,
    tz: filters.tz,
  };
}

/**
 * (channel, user_id, campaign) of every user who came through a campaign, from the first-touch
 * rollup (migration 4): the source.campaign of the user's earliest event that has one, ties on
 * time going to the smaller event id as text (UUIDs do not compare as text in ClickHouse).
 */
export function firstTouchSql(db: string): string {
  return `SELECT channel, user_id, argMinMerge(first_touch) AS campaign
      FROM ${db}.user_first_touch
      WHERE project_id = {projectId:String}
      GROUP BY channel, user_id`;
}
