/**
 * The CTEs every session-based metric shares. Expects `range_from`, `range_to` (DateTime64 UTC)
 * and `{projectId}` and the scope's placeholders to be bound by the caller.
 *
 * Semantics (DESIGN.md, made exact):
 * - events are read with FINAL, so a resent event counts once;
 * - a session is the events of one user with one sessionId, or, for a user's events without
 *   sessionId, a run of events with gaps < 30 min (a gap of exactly 30 min starts a new session);
 *   events with and without sessionId never share a session;
 * - a session belongs to the range where it starts (its earliest event) and is judged on its
 *   events before `to`: an answer about [from, to) reads nothing at or after `to`, so it is stable;
 * - equal timestamps are ordered by event id, which only matters for which event "starts".
 */
export function sessionCtes(scope: string, db: string): string {
  return `
  scoped AS (
    SELECT channel, user_id, session_id, type, ts, event_id
    FROM ${db}.events FINAL
    WHERE ${scope} AND ts < range_to
  ),
  marked AS (
    SELECT channel, user_id, type, ts, event_id, session_id,
      if(session_id = '',
         ts - lagInFrame(ts, 1, toDateTime64(0, 3, 'UTC')) OVER (
           PARTITION BY channel, user_id, session_id = '' ORDER BY ts, event_id
           ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) >= 1800,
         0) AS gap_start
    FROM scoped
  ),
  numbered AS (
    SELECT channel, user_id, type, ts,
      if(session_id != '', concat('id:', session_id),
         concat('gap:', toString(sum(gap_start) OVER (
           PARTITION BY channel, user_id, session_id = '' ORDER BY ts, event_id ROWS UNBOUNDED PRECEDING)))) AS session_key
    FROM marked
  ),
  sessions AS (
    SELECT channel, user_id, session_key, min(ts) AS started,
      countIf(type = 'message_received') > 0 AS has_request,
      countIf(type = 'resolved') > 0 AND countIf(type = 'handoff') = 0 AND has_request AS resolved,
      minIf(ts, type = 'message_received') AS first_request,
      arrayMin(arrayFilter(x -> x >= first_request, groupArrayIf(ts, type = 'message_sent'))) AS first_reply,
      has_request AND arrayExists(x -> x >= first_request, groupArrayIf(ts, type = 'message_sent')) AS answered
    FROM numbered
    GROUP BY channel, user_id, session_key
    HAVING started >= range_from
  ),
  firsts AS (
    SELECT channel, user_id, min(ts) AS first_seen FROM scoped GROUP BY channel, user_id
  )`;
}

/** The WITH head binding the range as DateTime64 instants. */
export const RANGE_HEAD = `
  toDateTime64({from:Float64}, 3, 'UTC') AS range_from,
  toDateTime64({to:Float64}, 3, 'UTC') AS range_to`;
