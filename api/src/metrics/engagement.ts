import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import type { EngagementResponse } from "@chatfunnel/schemas";
import { choosePath, ROLLUP_NONE, ROLLUP_TABLES, runQuery, RANGE_HEAD, eventScope, sessionCtes, sessionGapHead, type FactPath, type ResolvedFilters, epochMsSql, slotSessionColumns } from "@chatfunnel/warehouse";
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
 * The same figures from conversation_slots (migration 12): per user, bot, sessionId and slot, the first and
 * last event, the first request, the last resolution, the first handoff, and every reply's instant (as
 * ms * 2 + sender, so a reply at or after a request is an element at or after request * 2). Slots before `to`
 * are the events before `to` (bounds on slot boundaries). Sessions are cut by slotSessionColumns like the
 * events path. A session's first response is the earliest of its replies at or after its first request; a row
 * whose last event is before the request has none, so its replies are not scanned (~7% less CPU on 10M events).
 */
function rollupSql(scope: string, db: string): string {
  // slot_rows: (session_id, slot, first event ms, last event ms, first request ms, kinds, replies),
  // where kinds has bit 1 for a resolved and 2 for a handoff; absent instants are `none` (ROLLUP_NONE in ms).
  const row = `(session_id, slot, ${epochMsSql("first_ts")}, ${epochMsSql("last_ts")}, ${epochMsSql("request")},
      toUInt8(resolved_last > 0) + 2 * toUInt8(handoff < ${ROLLUP_NONE}), replies)`;
  return `
WITH ${RANGE_HEAD}, ${epochMsSql(ROLLUP_NONE)} AS none, ${epochMsSql("range_from")} AS from_ms, ${sessionGapHead(db)},
users AS (
  SELECT
    min(${epochMsSql("first_ts")}) AS first_seen_ms,
    ${slotSessionColumns(row)},
    -- per session starting in range: (start, first request, kinds OR-ed, first reply at or after the request)
    arrayFilter(x -> x.1 >= from_ms, arrayMap(ss -> (ss[1].3, arrayMin(arrayMap(r -> r.5, ss)) AS request_ms,
        arrayReduce('groupBitOr', arrayMap(r -> r.6, ss)),
        intDiv(arrayMin(arrayMap(r -> if(r.4 >= request_ms, arrayMin(arrayPushBack(arrayFilter(e -> e >= request_ms * 2, r.7), none * 2)), none * 2), ss)), 2)), user_sessions)) AS in_range,
    length(in_range) AS sessions,
    arrayCount(x -> x.2 < none, in_range) AS request_sessions,
    arrayCount(x -> x.2 < none AND x.3 = 1, in_range) AS resolved_sessions,
    arrayFilter(x -> x.2 < none AND x.4 < none, in_range) AS answered_in_range,
    length(answered_in_range) AS answered_sessions,
    arrayMap(x -> toFloat64(x.4 - x.2), answered_in_range) AS responses
  FROM ${db}.${ROLLUP_TABLES.conversationSlots}
  WHERE ${scope} AND slot < range_to
  GROUP BY channel, user_id
)
SELECT ${figures("first_seen_ms >= from_ms")}
FROM users`;
}

/** The SQL of one path (both select the same row). */
export const engagementSql = (scope: string, db: string, path: FactPath): string => (path === "rollup" ? rollupSql(scope, db) : eventsSql(scope, db));

/** `path` forces one implementation (tests prove both equal); by default the rollup answers when it can. */
export async function engagement(storage: Storage, filters: ResolvedFilters, path?: FactPath): Promise<EngagementResponse> {
  const chosen = path ?? (await choosePath(storage, filters));
  const scope = eventScope(filters, storage.database);
  const sql = engagementSql(scope.sql, storage.database, chosen);
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
