import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import type { EngagementResponse } from "@chatfunnel/schemas";
import { choosePath, ROLLUP_NONE, ROLLUP_TABLES, runQuery, RANGE_HEAD, eventScope, sessionCtes, sessionGapHead, type FactPath, type ResolvedFilters } from "@chatfunnel/warehouse";
import { ratio } from "./money.js";
import { rangeEcho } from "./range-echo.js";

const num = z.coerce.number();
const RowSchema = z.object({ new_users: num, sessions: num, answered: num, median_ms: num, resolved: num, with_request: num });

/** The figures both paths select from their `users` (one row per user, `isNew` true for a new one). */
const figures = (isNew: string) => `
  countIf(${isNew}) AS new_users,
  sum(sessions) AS sessions,
  sum(answered_sessions) AS answered,
  if(answered = 0, 0, quantileExactInclusiveArray(0.5)(responses)) AS median_ms,
  sum(resolved_sessions) AS resolved,
  sum(request_sessions) AS with_request`;

/**
 * First response: in each session, from its first message_received to the first message_sent at
 * or after it (same millisecond counts as 0 s). The median interpolates between the two middle
 * values for an even count (R7, quantileExactInclusive). Events path: the session fact's CTEs.
 */
function eventsSql(scope: string, db: string): string {
  return `
WITH ${RANGE_HEAD}, ${sessionCtes(scope, db)}
SELECT ${figures("first_seen >= range_from")}
FROM users`;
}

/**
 * The same figures from engagement_slots: per user, bot, sessionId and slot, the first and last event,
 * the first request, resolution and handoff, and the instant of every reply (message_sent). Slots before
 * `to` are the events before `to` (bounds on slot boundaries). A user's rows, sorted by (sessionId, slot,
 * first event), are cut into sessions like the events path: a sessionId is one session; loose rows
 * (sessionId '', sorted first) start a new session at a slot whose first event comes the project's timeout
 * or more after the previous slot's last event. Several rows can hold pieces of one slot (several bots,
 * parts not merged yet): a slot never splits (the timeout is at least a slot wide when this path is
 * chosen), its first piece in that order has its first event, and the lasts sorted by (sessionId, last)
 * line up slot by slot with the rows, so the one before a slot's first piece is the previous slot's last
 * event. A session's first response is the earliest of its replies at or after its first request.
 * Arrays are shifted rather than indexed inside lambdas: a lambda copies every array it captures per element.
 */
function rollupSql(scope: string, db: string): string {
  const ms = (column: string) => `toUnixTimestamp64Milli(${column})`;
  const previous = (array: string, first: string) => `arrayPushFront(arrayPopBack(${array}), ${first})`;
  // slot_rows: (session_id, slot, first event ms, last event ms, first request ms, kinds, reply instants ms),
  // where kinds has bit 1 for a resolved and 2 for a handoff; absent instants are `none` (ROLLUP_NONE in ms).
  const row = `(session_id, slot, ${ms("first_ts")}, ${ms("last_ts")}, ${ms("request")},
      toUInt8(resolved < ${ROLLUP_NONE}) + 2 * toUInt8(handoff < ${ROLLUP_NONE}), arrayMap(t -> ${ms("t")}, replies))`;
  return `
WITH ${RANGE_HEAD}, ${ms(ROLLUP_NONE)} AS none, ${ms("range_from")} AS from_ms, ${sessionGapHead(db)},
users AS (
  SELECT
    min(${ms("first_ts")}) AS first_seen_ms,
    arraySort(groupArray(${row})) AS slot_rows,
    arrayMap(r -> r.1, slot_rows) AS sids,
    arrayMap(r -> r.2, slot_rows) AS slots,
    arrayMap(r -> r.3, slot_rows) AS firsts,
    ${previous("sids", "''")} AS prev_sids,
    arraySort((l, k) -> (k, l), arrayMap(r -> r.4, slot_rows), arrayCumSum(arrayMap((s, p) -> toUInt32(s != p), sids, prev_sids))) AS lasts,
    arraySplit((r, sid, prev_sid, slot_, prev_slot, first, prev_last) -> sid != prev_sid
        OR (sid = '' AND slot_ != prev_slot AND first - prev_last >= session_gap_ms),
      slot_rows, sids, prev_sids, slots, ${previous("slots", "slots[1]")}, firsts, ${previous("lasts", "0")}) AS user_sessions,
    -- per session starting in range: (start, first request, kinds OR-ed, first reply at or after the request)
    arrayFilter(x -> x.1 >= from_ms, arrayMap(ss -> (ss[1].3, arrayMin(arrayMap(r -> r.5, ss)) AS request_ms,
        arrayReduce('groupBitOr', arrayMap(r -> r.6, ss)),
        arrayMin(arrayMap(r -> arrayMin(arrayPushBack(arrayFilter(t -> t >= request_ms, r.7), none)), ss))), user_sessions)) AS in_range,
    length(in_range) AS sessions,
    arrayCount(x -> x.2 < none, in_range) AS request_sessions,
    arrayCount(x -> x.2 < none AND x.3 = 1, in_range) AS resolved_sessions,
    arrayFilter(x -> x.2 < none AND x.4 < none, in_range) AS answered_in_range,
    length(answered_in_range) AS answered_sessions,
    arrayMap(x -> toFloat64(x.4 - x.2), answered_in_range) AS responses
  FROM ${db}.${ROLLUP_TABLES.engagementSlots}
  WHERE ${scope} AND slot < range_to
  GROUP BY channel, user_id
)
SELECT ${figures("first_seen_ms >= from_ms")}
FROM users`;
}

/** `path` forces one implementation (tests prove both equal); by default the rollup answers when it can. */
export async function engagement(storage: Storage, filters: ResolvedFilters, path?: FactPath): Promise<EngagementResponse> {
  const chosen = path ?? (await choosePath(storage, filters));
  const scope = eventScope(filters, storage.database);
  const sql = chosen === "rollup" ? rollupSql(scope.sql, storage.database) : eventsSql(scope.sql, storage.database);
  const [row] = await runQuery(storage, sql, { ...scope.params }, RowSchema);
  const r = row ?? { new_users: 0, sessions: 0, answered: 0, median_ms: 0, resolved: 0, with_request: 0 };
  return {
    range: rangeEcho(filters),
    newUsers: r.new_users,
    sessions: r.sessions,
    answeredSessions: r.answered,
    medianFirstResponseSeconds: r.answered === 0 ? null : Math.round(r.median_ms) / 1000,
    resolutionRate: ratio(r.resolved, r.with_request),
  };
}
