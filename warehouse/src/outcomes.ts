import type { BucketOf } from "./users.js";

/**
 * The outcomes fact: leads and orders are counts of `lead` / `order` events (after dedup) in range;
 * a session is a request when it has a message_received and resolved by the bot when it also has a
 * `resolved` and no `handoff` (those two are judged per session in sessions.ts). Per-channel counts
 * of both periods, with their rollup path, are in channel-figures.ts.
 */
export const OUTCOME_TYPES = ["lead", "order"] as const;
export type OutcomeType = (typeof OUTCOME_TYPES)[number];

/** (bucket, value, base = 1): outcome events per bucket; expects RANGE_HEAD and the scope's placeholders. */
export function outcomeCountSql(scope: string, db: string, bucketOf: BucketOf, type: OutcomeType): string {
  return `SELECT ${bucketOf("ts")} AS bucket, count() AS value, 1 AS base
FROM ${db}.events FINAL WHERE ${scope} AND ts >= range_from AND ts < range_to AND type = '${type}' GROUP BY bucket`;
}
