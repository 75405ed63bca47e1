import type { FactPath } from "./rollup-schema.js";
import { ROLLUP_TABLES } from "./rollup-schema.js";

/**
 * The users fact: a user is (channel, user_id); active in a period when they have an event in it;
 * new when their first event (within the scope) is in it. Each builder yields (bucket, value, base = 1)
 * grouped by `bucketOf(instant column)`; expects RANGE_HEAD and the scope's placeholders.
 * Per-channel active / new users of both periods are in channel-figures.ts (same definitions).
 */
export type BucketOf = (column: string) => string;

export function activeUsersSql(scope: string, db: string, bucketOf: BucketOf, path: FactPath): string {
  return path === "rollup"
    ? `SELECT ${bucketOf("slot")} AS bucket, uniqExact(channel, user_id) AS value, 1 AS base
FROM ${db}.${ROLLUP_TABLES.userSlots} WHERE ${scope} AND slot >= range_from AND slot < range_to GROUP BY bucket`
    : `SELECT ${bucketOf("ts")} AS bucket, uniqExact(channel, user_id) AS value, 1 AS base
FROM ${db}.events FINAL WHERE ${scope} AND ts >= range_from AND ts < range_to GROUP BY bucket`;
}

export function newUsersSql(scope: string, db: string, bucketOf: BucketOf, path: FactPath): string {
  const firstSeen =
    path === "rollup"
      ? `SELECT min(first_ts) AS first_seen FROM ${db}.${ROLLUP_TABLES.userSlots} WHERE ${scope} AND slot < range_to GROUP BY channel, user_id`
      : `SELECT min(ts) AS first_seen FROM ${db}.events FINAL WHERE ${scope} AND ts < range_to GROUP BY channel, user_id`;
  return `SELECT ${bucketOf("first_seen")} AS bucket, count() AS value, 1 AS base FROM (
  ${firstSeen}
) WHERE first_seen >= range_from GROUP BY bucket`;
}
