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
