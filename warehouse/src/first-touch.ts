import { ROLLUP_TABLES } from "./rollup-schema.js";

/**
 * First touch (campaign attribution): a user's campaign is the source.campaign of their earliest event
 * that has one, over all their events in the project whatever the filters; equal times go to the smaller
 * event id as text (UUIDs do not compare as text in ClickHouse). Both queries yield
 * (channel, user_id, campaign) for every user who came through a campaign; binds {projectId}.
 */

/** From the first-touch rollup (migration 4): the one used by metrics. */
export function firstTouchCampaignsSql(db: string): string {
  return `SELECT channel, user_id, argMinMerge(first_touch) AS campaign
      FROM ${db}.${ROLLUP_TABLES.userFirstTouch}
      WHERE project_id = {projectId:String}
      GROUP BY channel, user_id`;
}

/** The rollup's per-user state (migration 4): the campaign with the (ts, event id) it was first seen at. */
export const FIRST_TOUCH_STATE_TYPE = "AggregateFunction(argMin, String, Tuple(DateTime64(3, 'UTC'), String))";

/**
 * The first-touch rollup's rows as part of a per-user GROUP BY over other rows, instead of a join to
 * firstTouchCampaignsSql: a UNION ALL branch with the rollup's (channel, user_id), the other branches' columns
 * as `fillers` (their values for a row that is not an event), and the state as `first_touch`, which every
 * other branch sets to FIRST_TOUCH_NO_STATE; firstTouchCampaignMerge then yields the campaign per group ('' for a
 * user without one). A join builds its right side on one thread before it starts (~150 ms of the by channel +
 * campaign funnel on 10M events); the GROUP BY merges these rows in parallel with the rest. Binds {projectId}.
 */
export function firstTouchRowsSql(db: string, fillers: string): string {
  return `SELECT channel, user_id, ${fillers}, first_touch FROM ${db}.${ROLLUP_TABLES.userFirstTouch} WHERE project_id = {projectId:String}`;
}

/** An empty first-touch state (a constant, computed once): what the other branches of that union carry. */
export const FIRST_TOUCH_NO_STATE = `arrayReduce('argMinState', CAST([] AS Array(String)), CAST([] AS Array(Tuple(DateTime64(3, 'UTC'), String))))`;

/** The campaign of the group's first-touch rows; `fromRollup` tells them apart (merging only those is cheaper). */
export function firstTouchCampaignMerge(fromRollup: string): string {
  return `argMinMergeIf(first_touch, ${fromRollup})`;
}

/** From the events: the definition the rollup must reproduce (tests compare the two). */
export function firstTouchCampaignsFromEventsSql(db: string): string {
  return `SELECT channel, user_id, argMin(toString(source_campaign), (ts, toString(event_id))) AS campaign
      FROM ${db}.events FINAL
      WHERE project_id = {projectId:String} AND source_campaign != ''
      GROUP BY channel, user_id`;
}

/**
 * First-touch source (the source breakdown of retention): the same rule as the campaign's — the
 * source.source of the user's earliest event that has one, over all their events in the project, equal
 * times to the smaller event id as text. There is no rollup of it: read from the events. Binds {projectId}.
 */
export function firstTouchSourcesSql(db: string): string {
  return `SELECT channel, user_id, argMin(toString(source_source), (ts, toString(event_id))) AS source
      FROM ${db}.events FINAL
      WHERE project_id = {projectId:String} AND source_source != ''
      GROUP BY channel, user_id`;
}
