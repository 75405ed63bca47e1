import { BROADCAST_EVENT_TYPES, BROADCAST_OPT_OUT_HOURS, CHANNELS_WITHOUT_READS } from "@chatfunnel/schemas";
import { isRevenueEventSql, unitsSql } from "../../warehouse/money.js";
import { RANGE_HEAD } from "../../warehouse/scope.js";

/**
 * The SQL of the broadcasts report (schemas/src/api/broadcasts.ts BROADCASTS_SEMANTICS). Every query starts
 * from `broadcast_users`: one row per (broadcast, user) over the events carrying the broadcastId in scope, for
 * the broadcasts whose first send is in [from, to). Expects RANGE_HEAD and the event scope's placeholders.
 */

const list = (values: readonly string[]): string => `(${values.map((v) => `'${v}'`).join(", ")})`;

const CLICKED = list(["broadcast_clicked", "button_clicked"]);
// A click or a read proves the delivery, a delivery or a failure the send.
const DELIVERED = list(["broadcast_delivered", "broadcast_read", "broadcast_clicked", "button_clicked"]);
const SENT = list(["broadcast_sent", "broadcast_failed", "broadcast_delivered", "broadcast_read", "broadcast_clicked", "button_clicked"]);
export const NO_READS = list(CHANNELS_WITHOUT_READS);

/** WITH elements `broadcast_starts` and `broadcast_users` (the latter read once per query). */
export function broadcastUsersCtes(scope: string, db: string, onlyOne: boolean): string {
  const one = onlyOne ? " AND broadcast_id = {broadcastId:String}" : "";
  return `
  broadcast_starts AS (
    SELECT broadcast_id,
      if(countIf(type = 'broadcast_sent') > 0, minIf(ts, type = 'broadcast_sent'), minIf(ts, type IN ${list(BROADCAST_EVENT_TYPES)})) AS first_sent
    FROM ${db}.events FINAL
    WHERE ${scope} AND broadcast_id != ''${one}
    GROUP BY broadcast_id
    HAVING countIf(type IN ${list(BROADCAST_EVENT_TYPES)}) > 0 AND first_sent >= range_from AND first_sent < range_to
  ),
  broadcast_users AS (
    SELECT broadcast_id, channel, user_id,
      minIf(ts, type = 'broadcast_sent') AS first_send_at,
      countIf(type = 'broadcast_sent') > 0 AS has_send,
      minIf(ts, type IN ${list(BROADCAST_EVENT_TYPES)}) AS first_broadcast_event_at,
      countIf(type IN ${list(BROADCAST_EVENT_TYPES)}) > 0 AS has_broadcast_event,
      countIf(type IN ${SENT}) > 0 AS is_sent,
      countIf(type IN ${DELIVERED}) > 0 AS is_delivered,
      minIf(ts, type IN ${DELIVERED}) AS delivered_at,
      countIf(type = 'broadcast_read') > 0 AS is_read,
      minIf(ts, type = 'broadcast_read') AS read_at,
      countIf(type IN ${CLICKED}) > 0 AS is_clicked,
      minIf(ts, type IN ${CLICKED}) AS clicked_at,
      countIf(type = 'broadcast_failed') > 0 AND NOT is_delivered AS is_failed,
      argMaxIf(properties['reason'], (ts, toString(event_id)), type = 'broadcast_failed') AS reason
    FROM ${db}.events FINAL
    WHERE ${scope} AND broadcast_id IN (SELECT broadcast_id FROM broadcast_starts)${one}
    GROUP BY broadcast_id, channel, user_id
  )`;
}

/** Per broadcast: start, channels and the stage counts. */
export const stagesSql = (scope: string, db: string, onlyOne: boolean): string => `
WITH ${RANGE_HEAD}, ${broadcastUsersCtes(scope, db, onlyOne)}
SELECT broadcast_id,
  toUnixTimestamp64Milli(if(countIf(has_send) > 0, minIf(first_send_at, has_send), minIf(first_broadcast_event_at, has_broadcast_event))) AS first_sent_ms,
  groupUniqArray(toString(channel)) AS channels,
  countIf(is_sent) AS sent,
  countIf(is_delivered) AS delivered,
  countIf(is_read AND channel NOT IN ${NO_READS}) AS read,
  countIf(is_delivered AND channel NOT IN ${NO_READS}) AS delivered_reporting,
  countIf(is_clicked) AS clicked,
  countIf(is_failed) AS failed
FROM broadcast_users
GROUP BY broadcast_id`;

/** Per broadcast and reason of the failed users' latest failure ('' for none). */
export const reasonsSql = (scope: string, db: string, onlyOne: boolean): string => `
WITH ${RANGE_HEAD}, ${broadcastUsersCtes(scope, db, onlyOne)}
SELECT broadcast_id, reason, count() AS users
FROM broadcast_users WHERE is_failed
GROUP BY broadcast_id, reason`;

/**
 * After delivery: each delivered user's events in scope (tagged or not) at delivery ≤ t ≤ delivery + limit.
 * One row per (broadcast, currency): currency '' carries the opt-out, lead and order users; every other row the
 * units of that currency and how many revenue events made them (so a currency whose amounts sum to 0 is still
 * there). Built with one ARRAY JOIN so the per-user stage is read once.
 */
export const afterDeliverySql = (scope: string, db: string, onlyOne: boolean): string => `
WITH ${RANGE_HEAD}, ${broadcastUsersCtes(scope, db, onlyOne)},
  delivered AS (SELECT broadcast_id, channel, user_id, delivered_at FROM broadcast_users WHERE is_delivered),
  per_user AS (
    SELECT d.broadcast_id AS broadcast_id,
      countIf(o.type IN ('unsubscribed', 'blocked') AND o.ts <= d.delivered_at + toIntervalHour(${BROADCAST_OPT_OUT_HOURS})) > 0 AS opted_out,
      countIf(o.type = 'lead' AND o.ts <= d.delivered_at + toIntervalSecond({windowSeconds:UInt32})) > 0 AS has_lead,
      countIf(o.type = 'order' AND o.ts <= d.delivered_at + toIntervalSecond({windowSeconds:UInt32})) > 0 AS has_order,
      groupArrayIf(tuple(o.currency, o.units), ${isRevenueEventSql("o.type")} AND o.currency != '' AND o.ts <= d.delivered_at + toIntervalSecond({windowSeconds:UInt32})) AS money
    FROM delivered AS d
    INNER JOIN (
      SELECT channel, user_id, type, ts, toString(currency) AS currency, ${unitsSql("revenue")} AS units
      FROM ${db}.events FINAL
      WHERE ${scope} AND type IN ('lead', 'order', 'payment', 'unsubscribed', 'blocked')
        AND (channel, user_id) IN (SELECT channel, user_id FROM delivered)
    ) AS o ON o.channel = d.channel AND o.user_id = d.user_id
    WHERE o.ts >= d.delivered_at
    GROUP BY d.broadcast_id, d.channel, d.user_id
  )
SELECT broadcast_id, tupleElement(r, 1) AS currency, sum(tupleElement(r, 2)) AS opt_out_users, sum(tupleElement(r, 3)) AS lead_users,
  sum(tupleElement(r, 4)) AS order_users, sum(tupleElement(r, 5)) AS units, sum(tupleElement(r, 6)) AS revenue_events
FROM per_user
ARRAY JOIN arrayConcat(
  [tuple('', toUInt64(opted_out), toUInt64(has_lead), toUInt64(has_order), toInt128(0), toUInt64(0))],
  arrayMap(m -> tuple(m.1, toUInt64(0), toUInt64(0), toUInt64(0), m.2, toUInt64(1)), money)
) AS r
GROUP BY broadcast_id, currency`;

/**
 * The detail's timeline: each user in the local hour (of {tz}) of the event that first proved the stage. The
 * hour starts `minute` local minutes before the instant's own minute (every zone's offset is a multiple of
 * 15 minutes), which also holds in the repeated hour when clocks go back.
 */
const hourMs = (column: string) => `(intDiv(toUnixTimestamp64Milli(${column}), 60000) * 60000 - toMinute(toTimeZone(${column}, {tz:String})) * 60000)`;

export const hoursSql = (scope: string, db: string): string => `
WITH ${RANGE_HEAD}, ${broadcastUsersCtes(scope, db, true)}
SELECT tupleElement(h, 1) AS hour_ms, tupleElement(h, 2) AS stage, count() AS users
FROM broadcast_users
ARRAY JOIN arrayFilter(x -> x.3, [
  tuple(${hourMs("delivered_at")}, 'delivered', is_delivered),
  tuple(${hourMs("read_at")}, 'read', is_read AND channel NOT IN ${NO_READS}),
  tuple(${hourMs("clicked_at")}, 'clicked', is_clicked)
]) AS h
GROUP BY hour_ms, stage
ORDER BY hour_ms`;
