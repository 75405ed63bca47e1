import { BROADCAST_EVENT_TYPES, BROADCAST_OPT_OUT_HOURS, CHANNELS_WITHOUT_READS } from "@chatfunnel/schemas";
import { isRevenueEventSql, unitsSql, RANGE_HEAD } from "@chatfunnel/warehouse";

/**
 * The SQL of the broadcasts report (schemas/src/api/broadcasts.ts BROADCASTS_SEMANTICS), ONE query per answer
 * and one pass over the events: the events carrying a broadcastId and the after-delivery events (opt-outs,
 * leads, orders, payments) are read together, grouped per (broadcast, user) — after-delivery events land in
 * their own broadcastId's group, mostly '' —, then windows hand every group its user's after-delivery events
 * and its broadcast's first send. Expects the event scope's placeholders, {windowSeconds}, {tz} and
 * {broadcastId} ('' for the list: then no timeline is built).
 */

const list = (values: readonly string[]): string => `(${values.map((v) => `'${v}'`).join(", ")})`;

const BROADCAST_TYPES = list(BROADCAST_EVENT_TYPES);
const CLICKED = list(["broadcast_clicked", "button_clicked"]);
// A click or a read proves the delivery, a delivery or a failure the send.
const DELIVERED = list(["broadcast_delivered", "broadcast_read", "broadcast_clicked", "button_clicked"]);
const SENT = list(["broadcast_sent", "broadcast_failed", "broadcast_delivered", "broadcast_read", "broadcast_clicked", "button_clicked"]);
const OPT_OUTS = list(["unsubscribed", "blocked"]);
const AFTER_DELIVERY = list(["unsubscribed", "blocked", "lead", "order", "payment"]);
const NO_READS = list(CHANNELS_WITHOUT_READS);

/**
 * The instant the local hour (of {tz}) containing `column` starts: `minute` local minutes before the instant's
 * own minute (every zone's offset is a multiple of 15 minutes), which also holds in the hour repeated when
 * clocks go back.
 */
const hourMs = (column: string) => `(intDiv(toUnixTimestamp64Milli(${column}), 60000) * 60000 - toMinute(toTimeZone(${column}, {tz:String})) * 60000)`;

/** Among a user's after-delivery events (type, ts, currency, units): those of `types` at delivery ≤ t ≤ delivery + limit. */
const within = (isType: (type: string) => string, limit: string) =>
  `arrayFilter(o -> ${isType("tupleElement(o, 1)")} AND tupleElement(o, 2) >= delivered_at AND tupleElement(o, 2) <= delivered_at + ${limit}, outcomes)`;
const isOneOf = (types: string) => (type: string) => `${type} IN ${types}`;
const WINDOW = "toIntervalSecond({windowSeconds:UInt32})";

/** Per broadcast starting in [from, to): start, channels, stage counts, reasons, after-delivery figures, and the asked one's hours. */
export const broadcastsSql = (scope: string, db: string): string => `
WITH ${RANGE_HEAD},
  keyed AS (
    SELECT broadcast_id, channel, user_id,
      countIf(type = 'broadcast_sent') > 0 AS has_send,
      minIf(ts, type = 'broadcast_sent') AS first_send_at,
      countIf(type IN ${BROADCAST_TYPES}) > 0 AS has_broadcast_event,
      minIf(ts, type IN ${BROADCAST_TYPES}) AS first_broadcast_event_at,
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
    WHERE ${scope} AND broadcast_id != ''
    GROUP BY broadcast_id, channel, user_id
  ),
  after_delivery AS (
    SELECT channel, user_id, groupArray(tuple(toString(type), ts, toString(currency), ${unitsSql("revenue")})) AS outcomes
    FROM ${db}.events FINAL
    WHERE ${scope} AND type IN ${AFTER_DELIVERY}
    GROUP BY channel, user_id
  ),
  users AS (
    SELECT broadcast_id, k.channel AS channel, has_send, first_send_at, has_broadcast_event, first_broadcast_event_at, is_sent, is_delivered, delivered_at, is_read, read_at, is_clicked, clicked_at, is_failed, reason,
      is_delivered AND notEmpty(${within(isOneOf(OPT_OUTS), `toIntervalHour(${BROADCAST_OPT_OUT_HOURS})`)}) AS opted_out,
      is_delivered AND notEmpty(${within(isOneOf("('lead')"), WINDOW)}) AS has_lead,
      is_delivered AND notEmpty(${within(isOneOf("('order')"), WINDOW)}) AS has_order,
      if(is_delivered, arrayFilter(o -> tupleElement(o, 3) != '', ${within(isRevenueEventSql, WINDOW)}), []) AS money
    FROM keyed AS k
    LEFT JOIN after_delivery AS a ON a.channel = k.channel AND a.user_id = k.user_id
  )
SELECT broadcast_id,
  if(countIf(has_send) > 0, minIf(first_send_at, has_send), minIf(first_broadcast_event_at, has_broadcast_event)) AS first_sent,
  toUnixTimestamp64Milli(first_sent) AS first_sent_ms,
  groupUniqArray(toString(channel)) AS channels,
  countIf(is_sent) AS sent,
  countIf(is_delivered) AS delivered,
  countIf(is_read AND channel NOT IN ${NO_READS}) AS read,
  countIf(is_delivered AND channel NOT IN ${NO_READS}) AS delivered_reporting,
  countIf(is_clicked) AS clicked,
  countIf(is_failed) AS failed,
  sumMapIf([reason], [toUInt64(1)], is_failed) AS reasons,
  countIf(opted_out) AS opt_out_users,
  countIf(has_lead) AS lead_users,
  countIf(has_order) AS order_users,
  -- per currency: units and how many events made them, so a currency whose amounts sum to 0 is still there
  sumMap(arrayMap(m -> tupleElement(m, 3), money), arrayMap(m -> tupleElement(m, 4), money), arrayMap(m -> toUInt64(1), money)) AS revenue,
  sumMapIf([${hourMs("delivered_at")}], [toUInt64(1)], is_delivered AND broadcast_id = {broadcastId:String}) AS delivered_hours,
  sumMapIf([${hourMs("read_at")}], [toUInt64(1)], is_read AND channel NOT IN ${NO_READS} AND broadcast_id = {broadcastId:String}) AS read_hours,
  sumMapIf([${hourMs("clicked_at")}], [toUInt64(1)], is_clicked AND broadcast_id = {broadcastId:String}) AS clicked_hours
FROM users
GROUP BY broadcast_id
HAVING countIf(has_broadcast_event) > 0 AND first_sent >= range_from AND first_sent < range_to`;
