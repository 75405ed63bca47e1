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
 * - equal timestamps are ordered by event id, which only matters for which event "starts".
 */
export function sessionCtes(scope: string, db: string, opts: { withPrevious?: boolean } = {}): string {
  const previousSessionColumns = opts.withPrevious
    ? `,
      countIf(type = 'message_received' AND ts < range_from) > 0 AS sp_has_request,
      countIf(type = 'resolved' AND ts < range_from) > 0 AND countIf(type = 'handoff' AND ts < range_from) = 0 AND sp_has_request AS sp_resolved,
      countIf(type = 'lead' AND ts >= prev_from AND ts < range_from) AS sp_leads,
      countIf(type = 'order' AND ts >= prev_from AND ts < range_from) AS sp_orders,
      countIf(ts >= prev_from AND ts < range_from) > 0 AS sp_active`
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
  return `
  numbered AS (
    SELECT channel, user_id, type, ts,
      if(session_id != '', concat('id:', session_id),
         concat('gap:', toString(sum(gap_start) OVER (
           PARTITION BY channel, user_id, session_id = '' ORDER BY ts, event_id ROWS UNBOUNDED PRECEDING)))) AS session_key
    FROM (
      SELECT channel, user_id, session_id, type, ts, event_id,
        if(session_id = '',
           ts - lagInFrame(ts, 1, toDateTime64(0, 3, 'UTC')) OVER (
             PARTITION BY channel, user_id, session_id = '' ORDER BY ts, event_id
             ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) >= 1800,
           0) AS gap_start
      FROM ${db}.events FINAL
      WHERE ${scope} AND ts < range_to
    )
  ),
  sessions AS (
    SELECT channel, user_id, session_key, min(ts) AS started,
      countIf(type = 'message_received') > 0 AS has_request,
      countIf(type = 'resolved') > 0 AND countIf(type = 'handoff') = 0 AND has_request AS resolved,
      minIf(ts, type = 'message_received') AS first_request,
      arrayFilter(x -> x >= first_request, groupArrayIf(ts, type = 'message_sent')) AS replies,
      has_request AND notEmpty(replies) AS answered,
      if(answered, toFloat64(dateDiff('millisecond', first_request, arrayMin(replies))), 0) AS response_ms,
      countIf(type = 'lead' AND ts >= range_from) AS s_leads,
      countIf(type = 'order' AND ts >= range_from) AS s_orders,
      countIf(ts >= range_from) > 0 AS s_active${previousSessionColumns}
    FROM numbered
    GROUP BY channel, user_id, session_key
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
