import type { RetentionCohort } from "@chatfunnel/schemas";
import { isRevenueEventSql, unitsSql } from "./money.js";
import { ROLLUP_TABLES, onSlotBounds, type FactPath } from "./rollup-schema.js";
import type { ResolvedFilters } from "./scope.js";
import type { BucketOf } from "./users.js";

/**
 * The cohort fact: per user (channel, user_id) in scope, the instant of their cohort event — the earliest
 * event, `lead` or `order` over all their events in scope at any time — kept when it falls in [from, to),
 * with what they did in range that retention needs. Definitions: schemas/src/api/retention.ts.
 */

/**
 * The cohort event's instant as an aggregate over a user's events. minIf of no matching row is the
 * epoch (1970), before any range (ranges start in 2000), so a user without a lead is in no lead cohort.
 */
export const COHORT_EVENT_SQL: Record<RetentionCohort, string> = {
  first_seen: "min(ts)",
  first_lead: "minIf(ts, type = 'lead')",
  first_order: "minIf(ts, type = 'order')",
};

/** The type of the cohort event, when it is one type (first_seen: any event). */
const COHORT_EVENT_TYPE: Record<RetentionCohort, string | undefined> = { first_seen: undefined, first_lead: "lead", first_order: "order" };

/**
 * How a user's return events are kept:
 * - `buckets`: the set of bucket numbers with a return event. Enough when no return event before the cohort
 *   event can share its bucket while the cohort event itself is not a return (see returnsKept);
 * - `latest`: per bucket the latest return instant, which tells whether a bucket has a return at or after the
 *   cohort event;
 * - `period`: every (bucket, instant) in the one period [{periodFromMs}, {periodToMs}) whose users are listed,
 *   to tell when each first returned in it (only that period's events are kept: a list needs no other).
 */
export type ReturnsKept = "buckets" | "latest" | "period";

/**
 * The cheapest `returns` that decides retention exactly. With first_seen no event precedes the cohort event;
 * when the cohort event is itself a return (return=any, or the cohort's own type), the cohort bucket is retained
 * by it whatever came before. Otherwise (first_lead returning on order, say) a return in the cohort's bucket
 * may precede the cohort event, and the latest return per bucket decides.
 */
export function returnsKept(cohort: RetentionCohort, returnType: string | undefined): Exclude<ReturnsKept, "period"> {
  const cohortType = COHORT_EVENT_TYPE[cohort];
  return cohortType === undefined || returnType === undefined || returnType === cohortType ? "buckets" : "latest";
}

export interface CohortUsersOptions {
  cohort: RetentionCohort;
  /** The event type that returns a user; undefined for any event. */
  returnType: string | undefined;
  /** The sequential number of the interval bucket (in tz) holding an instant: periods are differences of it. */
  bucketNumber: BucketOf;
  returns: ReturnsKept;
}

/**
 * One row per user whose cohort event is in [from, to): `cohort_ts`; `returns` — the user's return events in
 * [from, to), kept as `options.returns` says (buckets: Array(Int64); latest: (buckets, latest ms); period: Array
 * of (bucket, ms)); `revenue` — their order and payment events in {currency:String} in [from, to) as
 * (bucket, ms, units, id hash). Expects RANGE_HEAD and the scope's placeholders; binds {returnType:String}
 * when a return type is given.
 *
 * Read without FINAL: a resend repeats its event's id and content, so minima, maxima and sets are unchanged by
 * it, and the revenue events are a set of distinct (…, id hash), which counts a resend once. Skipping FINAL's
 * merge of the sort key is what the funnel measured as half the cost of its scan.
 */
export function cohortUsersSql(scope: string, db: string, options: CohortUsersOptions): string {
  const inRange = "ts >= range_from AND ts < range_to";
  const isReturn = options.returnType === undefined ? inRange : `${inRange} AND type = {returnType:String}`;
  const bucket = `toInt64(${options.bucketNumber("ts")})`;
  const ms = "toUnixTimestamp64Milli(ts)";
  const returns = {
    buckets: `groupUniqArrayIf(${bucket}, ${isReturn})`,
    latest: `maxMapIf([${bucket}], [${ms}], ${isReturn})`,
    period: `groupArrayIf((${bucket}, ${ms}), ${isReturn} AND ts >= fromUnixTimestamp64Milli({periodFromMs:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({periodToMs:Int64}, 'UTC'))`,
  }[options.returns];
  return `SELECT channel, user_id, ${COHORT_EVENT_SQL[options.cohort]} AS cohort_ts,
    ${returns} AS returns,
    groupUniqArrayIf((${bucket}, ${ms}, ${unitsSql("revenue")}, cityHash64(event_id)), ${inRange} AND ${isRevenueEventSql()} AND currency = {currency:String}) AS revenue
  FROM ${db}.events
  WHERE ${scope}
  GROUP BY channel, user_id
  HAVING cohort_ts >= range_from AND cohort_ts < range_to`;
}

/**
 * The rollups can answer first_seen cohorts returning on any event, over a range on slot bounds: the cohort
 * event is the user's first event (user_slots' min first_ts, exact), a return in period p is a slot of the
 * period with an event (slots never straddle a local midnight: every zone's offset is a multiple of 15 minutes),
 * and no event precedes the cohort event, so nothing needs comparing with it inside a slot. Other cohorts
 * would need the instant of a lead or order inside its slot, which the rollups do not keep.
 */
export function cohortPath(filters: ResolvedFilters, cohort: RetentionCohort, returnType: string | undefined): FactPath {
  return cohort === "first_seen" && returnType === undefined && onSlotBounds(filters.fromMs, filters.toMs) ? "rollup" : "events";
}

/**
 * cohortUsersSql's rows (returns as `buckets`) for first_seen and any return, from user_slots and
 * user_outcomes: `revenue`'s instants are the slots' starts, which may precede the cohort event inside its own
 * slot — harmless, as every event of a first_seen cohort user is at or after it. An outcome is a set element
 * keyed by its event id, so unmerged rollup rows and resends count once. Same placeholders as cohortUsersSql.
 */
export function cohortUsersFromRollupsSql(scope: string, db: string, bucketNumber: BucketOf): string {
  const inRange = "slot >= range_from AND slot < range_to";
  const bucket = `toInt64(${bucketNumber("slot")})`;
  return `SELECT s.channel AS channel, s.user_id AS user_id, s.cohort_ts AS cohort_ts, s.returns AS returns, o.revenue AS revenue
  FROM (
    SELECT channel, user_id, min(first_ts) AS cohort_ts, groupUniqArrayIf(${bucket}, ${inRange}) AS returns
    FROM ${db}.${ROLLUP_TABLES.userSlots}
    WHERE ${scope}
    GROUP BY channel, user_id
    HAVING cohort_ts >= range_from AND cohort_ts < range_to
  ) AS s
  LEFT JOIN (
    SELECT channel, user_id, arrayDistinct(arrayFlatten(groupArray(
      arrayMap(o -> (${bucket}, toInt64(toUnixTimestamp(slot)) * 1000, ${unitsSql("o.3")}, cityHash64(o.1)),
        arrayFilter(o -> o.2 IN ('order', 'payment') AND o.4 = {currency:String}, finalizeAggregation(outcomes)))))) AS revenue
    FROM ${db}.${ROLLUP_TABLES.userOutcomes}
    WHERE ${scope} AND ${inRange}
    GROUP BY channel, user_id
  ) AS o ON o.channel = s.channel AND o.user_id = s.user_id`;
}
