import type { RetentionCohort } from "@chatfunnel/schemas";
import { isRevenueEventSql, unitsSql } from "./money.js";
import type { BucketOf } from "./users.js";

/**
 * The cohort fact: per user (channel, user_id) in scope, the instant of their cohort event — the earliest
 * event, `lead` or `order` over all their events in scope at any time — kept when it falls in [from, to),
 * with what they did in range afterwards that retention needs. Definitions: schemas/src/api/retention.ts.
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

export interface CohortUsersOptions {
  cohort: RetentionCohort;
  /** The event type that returns a user; undefined for any event. */
  returnType: string | undefined;
  /** The sequential number of the interval bucket (in tz) holding an instant: periods are differences of it. */
  bucketNumber: BucketOf;
  /**
   * How return events are kept: `latest` — per bucket the latest return instant (enough to tell whether a
   * bucket has a return at or after the cohort event; small); `all` — every (bucket, instant), for listing
   * when each user first returned.
   */
  returns: "latest" | "all";
}

/**
 * One row per user whose cohort event is in [from, to): `cohort_ts`; `returns` — return events in
 * [from, to) as (bucket numbers, latest ms per bucket) for `latest` or an array of (bucket, ms) for `all`;
 * `revenue` — the user's order and payment events in {currency:String} in [from, to) as (bucket, ms, units).
 * Events read with FINAL: a resend counts once (its revenue too). Expects RANGE_HEAD and the scope's
 * placeholders; binds {returnType:String} when a return type is given.
 */
export function cohortUsersSql(scope: string, db: string, options: CohortUsersOptions): string {
  const inRange = "ts >= range_from AND ts < range_to";
  const isReturn = options.returnType === undefined ? inRange : `${inRange} AND type = {returnType:String}`;
  const bucket = options.bucketNumber("ts");
  const ms = "toUnixTimestamp64Milli(ts)";
  const returns =
    options.returns === "latest"
      ? `maxMapIf([toInt64(${bucket})], [${ms}], ${isReturn})`
      : `groupArrayIf((toInt64(${bucket}), ${ms}), ${isReturn})`;
  return `SELECT channel, user_id, ${COHORT_EVENT_SQL[options.cohort]} AS cohort_ts,
    ${returns} AS returns,
    groupArrayIf((toInt64(${bucket}), ${ms}, ${unitsSql("revenue")}), ${inRange} AND ${isRevenueEventSql()} AND currency = {currency:String}) AS revenue
  FROM ${db}.events FINAL
  WHERE ${scope}
  GROUP BY channel, user_id
  HAVING cohort_ts >= range_from AND cohort_ts < range_to`;
}
