/**
 * The CTEs every session-based metric shares, built so each stage is evaluated once per query
 * (ClickHouse inlines a CTE at every reference, so a metric reads `users` OR `sessions`, never
 * both). Session-level and user-level columns have distinct names: an alias shadows a column. Expects `range_from`, `range_to` (DateTime64 UTC) and, with `withPrevious`, `prev_from`,
 * plus the scope's placeholders, bound by the caller.
 *
 * Semantics (DESIGN.md, made exact):
 * - events are read with FINAL, so a resent event counts once;
 * - a session is the events of one user with one sessionId, or, for a user's events without
 *   sessionId, a run of events with gaps < 30 min (a gap of exactly 30 min starts a new session);
 *   events with and without sessionId never share a session;
 * - a session belongs to the range where it starts (its earliest event) and is judged on its
 *   events before `to`: an answer about [from, to) reads nothing at or after `to`, so it is stable.
 *   A later event never changes which session an earlier one belongs to, so the previous period
 *   ([prev_from, from), judged on events before `from`) comes out of the same pass exactly;
 * - events with equal timestamps always share a session (their gap is 0), so their order never matters.
 */
export function sessionCtes(scope: string, db: string, opts: { withPrevious?: boolean } = {}): string {
  const previousSessionColumns = opts.withPrevious
    ? `,
      arrayExists(e -> e.2 = 'message_received' AND e.1 < range_from, s) AS sp_has_request,
      sp_has_request AND arrayExists(e -> e.2 = 'resolved' AND e.1 < range_from, s) AND NOT arrayExists(e -> e.2 = 'handoff' AND e.1 < range_from, s) AS sp_resolved,
      arrayCount(e -> e.2 = 'lead' AND e.1 >= prev_from AND e.1 < range_from, s) AS sp_leads,
      arrayCount(e -> e.2 = 'order' AND e.1 >= prev_from AND e.1 < range_from, s) AS sp_orders,
      arrayExists(e -> e.1 >= prev_from AND e.1 < range_from, s) AS sp_active`
    : "";
  const previousUserColumns = opts.withPrevious
    ? `,
      countIf(started >= prev_from AND started < range_from) AS p_sessions,
      max(sp_active) AS p_active,
      sum(sp_leads) AS p_leads,
      sum(sp_orders) AS p_orders,
      countIf(started >= prev_from AND started < range_from AND sp_resolved) AS p_resolved_sessions,
      countIf(started >= prev_from AND started < range_from AND sp_has_request) AS p_request_sessions`
    : "";
  // One hash aggregation per (user, sessionId) collecting (ts, type) sorted by time, then sessions
  // are cut with array functions: far cheaper than window functions, which sort every event.
  return `
  timelines AS (
    SELECT channel, user_id, session_id, arraySort(e -> e.1, groupArray((ts, type))) AS evs
    FROM ${db}.events FINAL
    WHERE ${scope} AND ts < range_to
    GROUP BY channel, user_id, session_id
  ),
  sessions AS (
    SELECT channel, user_id, s[1].1 AS started,
      arrayExists(e -> e.2 = 'message_received', s) AS has_request,
      has_request AND arrayExists(e -> e.2 = 'resolved', s) AND NOT arrayExists(e -> e.2 = 'handoff', s) AS resolved,
      arrayFirst(e -> e.2 = 'message_received', s).1 AS first_request,
      has_request AND arrayExists(e -> e.2 = 'message_sent' AND e.1 >= first_request, s) AS answered,
      if(answered, toFloat64(dateDiff('millisecond', first_request, arrayFirst(e -> e.2 = 'message_sent' AND e.1 >= first_request, s).1)), 0) AS response_ms,
      arrayCount(e -> e.2 = 'lead' AND e.1 >= range_from, s) AS s_leads,
      arrayCount(e -> e.2 = 'order' AND e.1 >= range_from, s) AS s_orders,
      arrayExists(e -> e.1 >= range_from, s) AS s_active${previousSessionColumns}
    FROM timelines
    ARRAY JOIN if(session_id = '',
      arraySplit((e, gap_ms) -> gap_ms >= 1800000, evs, arrayDifference(arrayMap(e -> toUnixTimestamp64Milli(e.1), evs))),
      [evs]) AS s
  ),
  users AS (
    SELECT channel, user_id,
      min(started) AS first_seen,
      countIf(started >= range_from) AS sessions,
      max(s_active) AS active,
      sum(s_leads) AS leads,
      sum(s_orders) AS orders,
      countIf(started >= range_from AND resolved) AS resolved_sessions,
      countIf(started >= range_from AND has_request) AS request_sessions,
      countIf(started >= range_from AND answered) AS answered_sessions,
      groupArrayIf(response_ms, started >= range_from AND answered) AS responses${previousUserColumns}
    FROM sessions
    GROUP BY channel, user_id
  )`;
}

/** The WITH head binding the range as DateTime64 instants. */
export const RANGE_HEAD = `
  toDateTime64({from:Float64}, 3, 'UTC') AS range_from,
  toDateTime64({to:Float64}, 3, 'UTC') AS range_to`;

/** The head for queries that also compute the previous period [prev_from, from). */
export const RANGE_HEAD_WITH_PREVIOUS = `${RANGE_HEAD},
  toDateTime64({prevFrom:Float64}, 3, 'UTC') AS prev_from`;
