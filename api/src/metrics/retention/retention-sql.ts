import type { Interval, RetentionBreakdown, RetentionCohort } from "@chatfunnel/schemas";
import {
  cohortUsersSql,
  firstTouchCampaignsSql,
  firstTouchSourcesSql,
  RANGE_HEAD,
  returnsKept,
  spendInRangeScope,
  unitsSql,
  type ResolvedFilters,
  type ReturnsKept,
} from "@chatfunnel/warehouse";
import { BUCKET_NUMBER_OF_TIME, BUCKET_OF_DATE, BUCKET_OF_TIME } from "../buckets.js";

/**
 * The SQL half of retention: per (cohort bucket, group) the size, the users retained in each period and the
 * revenue of each period; per (bucket, spend key) the spend. Definitions: schemas/src/api/retention.ts.
 */

export interface RetentionDefinition {
  interval: Interval;
  periods: number;
  cohort: RetentionCohort;
  /** undefined: return=any, any event the user did (not BOT_SIDE_EVENT_TYPES) returns them. */
  returnType: string | undefined;
  breakdown: RetentionBreakdown | undefined;
}

/** The group of a cohort user, from an allow-list; '' is "no value" (and the one group without breakdown). */
function groupOf(breakdown: RetentionBreakdown | undefined, db: string): { select: string; join: string } {
  if (breakdown === undefined) return { select: "''", join: "" };
  if (breakdown === "channel") return { select: "u.channel", join: "" };
  const touch = breakdown === "campaign" ? { sql: firstTouchCampaignsSql(db), column: "campaign" } : { sql: firstTouchSourcesSql(db), column: "source" };
  return { select: `ft.${touch.column}`, join: `LEFT JOIN (${touch.sql}) AS ft ON ft.channel = u.channel AND ft.user_id = u.user_id` };
}

/**
 * Per cohort user: the cohort's bucket label, the group, `cb` (the cohort bucket's number), `c_ms` (the cohort
 * event), `mask` (bit p: retained in period p) and `rev` (revenue units of each period p from the cohort
 * event on). Only return events at or after the cohort event count (warehouse returnsKept says how that is told).
 */
function cohortUserPeriodsSql(scope: string, db: string, definition: RetentionDefinition, returns: ReturnsKept): string {
  const bucketNumber = BUCKET_NUMBER_OF_TIME[definition.interval];
  const users = cohortUsersSql(scope, db, { cohort: definition.cohort, returnType: definition.returnType, bucketNumber, returns });
  const group = groupOf(definition.breakdown, db);
  const inPeriods = (p: string) => `${p} >= 0 AND ${p} < {periods:UInt8}`;
  const bit = (p: string) => `bitShiftLeft(toUInt32(1), ${p})`;
  // Filter first: if() would evaluate the shift for every element, negative ones included.
  const mask = {
    buckets: `arrayReduce('groupBitOr', arrayMap(k -> ${bit("k - cb")}, arrayFilter(k -> ${inPeriods("k - cb")}, returns)))`,
    latest: `arrayReduce('groupBitOr', arrayMap(k -> ${bit("k - cb")}, arrayFilter((k, v) -> ${inPeriods("k - cb")} AND v >= c_ms, returns.1, returns.2)))`,
    period: `arrayReduce('groupBitOr', arrayMap(r -> ${bit("r.1 - cb")}, arrayFilter(r -> ${inPeriods("r.1 - cb")} AND r.2 >= c_ms, returns)))`,
  }[returns];
  return `SELECT u.channel AS channel, u.user_id AS user_id, ${BUCKET_OF_TIME[definition.interval]("u.cohort_ts")} AS cohort_bucket, toString(${group.select}) AS grp,
    toInt64(${BUCKET_NUMBER_OF_TIME[definition.interval]("u.cohort_ts")}) AS cb, toUnixTimestamp64Milli(u.cohort_ts) AS c_ms,
    ${mask} AS mask,
    arrayMap(p -> arraySum(arrayMap(r -> if(r.1 - cb = p AND r.2 >= c_ms, r.3, toInt128(0)), u.revenue)), range({periods:UInt8})) AS rev${returns === "period" ? ",\n    u.returns AS returns" : ""}
  FROM (${users}) AS u
  ${group.join}
  SETTINGS join_use_nulls = 0`;
}

/** Rows (cohort_bucket, grp, size, retained[p], revenue[p] units), from the events. */
export function retentionCellsSql(scope: string, db: string, definition: RetentionDefinition): string {
  return `WITH ${RANGE_HEAD}
SELECT cohort_bucket, grp, count() AS size,
  sumForEach(arrayMap(p -> toUInt64(bitTest(mask, p)), range({periods:UInt8}))) AS retained,
  sumForEach(rev) AS revenue
FROM (${cohortUserPeriodsSql(scope, db, definition, returnsKept(definition.cohort, definition.returnType))})
GROUP BY cohort_bucket, grp`;
}

/**
 * The retained users of one cell: one page by (channel, user_id) with the first return at or after the cohort
 * event in the period, or their count. Binds {cohortBucket}, {period}, its instants {periodFromMs} and
 * {periodToMs}, {byGroup} (0: every group) and {group}; the page also {limit} and {offset}.
 */
export function retentionUsersSql(scope: string, db: string, definition: RetentionDefinition, part: "page" | "count"): string {
  const cell = `FROM (${cohortUserPeriodsSql(scope, db, definition, "period")})
WHERE cohort_bucket = {cohortBucket:String} AND bitTest(mask, {period:UInt8}) AND ({byGroup:UInt8} = 0 OR grp = {group:String})`;
  if (part === "count") return `WITH ${RANGE_HEAD}\nSELECT count() AS total ${cell}`;
  return `WITH ${RANGE_HEAD}
SELECT channel, user_id, c_ms,
  arrayMin(arrayMap(r -> r.2, arrayFilter(r -> r.1 - cb = {period:UInt8} AND r.2 >= c_ms, returns))) AS returned_ms,
  count() OVER () AS total
${cell}
ORDER BY channel, user_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}`;
}

/** The spend key a group matches, from an allow-list: '' for all spend without breakdown. */
const SPEND_KEY: Record<"channel" | "campaign" | "none", string> = { channel: "channel", campaign: "campaign", none: "''" };

/** Rows (bucket, key, spend units in {currency}) of the spend rows dated in range. */
export function retentionSpendSql(filters: ResolvedFilters, db: string, definition: RetentionDefinition): string {
  const key = SPEND_KEY[definition.breakdown === "channel" || definition.breakdown === "campaign" ? definition.breakdown : "none"];
  return `WITH ${RANGE_HEAD}
SELECT ${BUCKET_OF_DATE[definition.interval]("date")} AS bucket, toString(${key}) AS key, sum(${unitsSql("amount")}) AS spend
FROM ${db}.spend FINAL
WHERE ${spendInRangeScope(filters).sql} AND currency = {currency:String}
GROUP BY bucket, key`;
}
