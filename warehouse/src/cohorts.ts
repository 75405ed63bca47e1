import { BOT_SIDE_EVENT_TYPES, type RetentionCohort } from "@chatfunnel/schemas";
import { isRevenueEventSql, unitsSql } from "./money.js";
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
 * A return with `return=any`: an event the user did, i.e. of any type but BOT_SIDE_EVENT_TYPES (a bot's answer,
 * a broadcast's send, delivery or failure). The list is the contract's constant, quoted as SQL literals.
 */
export const USER_SIDE_EVENT_SQL = `type NOT IN (${BOT_SIDE_EVENT_TYPES.map((type) => `'${type}'`).join(", ")})`;

/** Whether an event of `type` returns a user: of the asked type, or (undefined: return=any) not bot-side. */
function isReturnType(type: string, returnType: string | undefined): boolean {
  return returnType === undefined ? !(BOT_SIDE_EVENT_TYPES as readonly string[]).includes(type) : type === returnType;
}

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
 * The cheapest `returns` that decides retention exactly. With first_seen no event precedes the cohort event, so
 * every return is at or after it (the first event itself may be no return: a broadcast delivery). When the cohort
 * event is itself a return (a lead or order with return=any, or the cohort's own type), the cohort bucket is
 * retained by it whatever came before. Otherwise (first_lead returning on order, say) a return in the cohort's
 * bucket may precede the cohort event, and the latest return per bucket decides.
 */
export function returnsKept(cohort: RetentionCohort, returnType: string | undefined): Exclude<ReturnsKept, "period"> {
  const cohortType = COHORT_EVENT_TYPE[cohort];
  return cohortType === undefined || isReturnType(cohortType, returnType) ? "buckets" : "latest";
}

export interface CohortUsersOptions {
  cohort: RetentionCohort;
  /** The event type that returns a user; undefined for any event the user did (USER_SIDE_EVENT_SQL). */
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
 *
 * The events are the only path: the slot rollups (user_slots) keep no event types, so they cannot tell a user's
 * own event from a broadcast delivered to them, which return=any must. A view that could would cost ingest CPU on
 * every event; the events path was measured instead (README "Retention": at 1M events 8 weekly within the noise of
 * the rollups, 24 monthly by campaign 1.5–4× slower, both under the strict funnel's time on the same data).
 */
export function cohortUsersSql(scope: string, db: string, options: CohortUsersOptions): string {
  const inRange = "ts >= range_from AND ts < range_to";
  const isReturn = `${inRange} AND ${options.returnType === undefined ? USER_SIDE_EVENT_SQL : "type = {returnType:String}"}`;
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
