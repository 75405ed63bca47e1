import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { ROLLUP_NONE, ROLLUP_TABLES, SLOT_MINUTES } from "./rollup-schema.js";
import type { FactPath } from "./rollup-schema.js";
import { runQuery } from "./run-query.js";

/**
 * The session fact: events of one user with one sessionId, or, without sessionId, a run of events
 * whose gaps stay below the project's session timeout (projects.session_timeout_min; 30 min when unset).
 * One events implementation (sessionCtes) and one rollup implementation (rollupSessionsCte), proven
 * equal in tests/integration/warehouse-paths.test.ts.
 */

/** The timeout of a project with no setting (or 0, which would make every event its own session). */
export const DEFAULT_SESSION_TIMEOUT_MIN = 30;

/** The project's timeout in minutes, as a scalar subquery; binds {projectId}. */
const timeoutMinSql = (db: string) =>
  `(SELECT toUInt64(if(max(session_timeout_min) = 0, ${DEFAULT_SESSION_TIMEOUT_MIN}, max(session_timeout_min))) FROM ${db}.projects FINAL WHERE project_id = {projectId:String})`;

/** WITH element `session_gap_ms`: the gap that starts a new loose session, read from the project. */
export const sessionGapHead = (db: string): string => `${timeoutMinSql(db)} * 60000 AS session_gap_ms`;

const TimeoutRowSchema = z.object({ minutes: z.coerce.number() });

/** The project's session timeout in minutes (same expression the SQL uses). */
export async function sessionTimeoutMin(storage: Storage, projectId: string): Promise<number> {
  const rows = await runQuery(storage, `SELECT ${timeoutMinSql(storage.database)} AS minutes`, { projectId }, TimeoutRowSchema);
  return rows[0]?.minutes ?? DEFAULT_SESSION_TIMEOUT_MIN;
}

/**
 * The rollups keep one first/last instant per user and slot, so they can cut sessions only where a
 * gap spans slots: exact when the timeout is at least a slot (a gap inside one slot is shorter).
 */
export const rollupCutsSessions = (timeoutMin: number): boolean => timeoutMin >= SLOT_MINUTES;

/**
 * The CTEs every session-based metric shares, built so each stage is evaluated once per query
 * (ClickHouse inlines a CTE at every reference, so a metric reads `users` OR `sessions`, never
 * both). Session-level and user-level columns have distinct names: an alias shadows a column. Expects `range_from`, `range_to` (DateTime64 UTC) and, with `withPrevious`, `prev_from`,
 * plus the scope's placeholders, bound by the caller (the events path of the session fact).
 *
 * Semantics (DESIGN.md, made exact):
 * - events are read with FINAL, so a resent event counts once;
 * - a session is the events of one user with one sessionId, or, for a user's events without
 *   sessionId, a run of events with gaps < the project's session timeout (a gap of exactly the timeout starts
 *   a new session; see sessionGapHead);
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
  ${sessionGapHead(db)},
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
      arraySplit((e, gap_ms) -> gap_ms >= session_gap_ms, evs, arrayDifference(arrayMap(e -> toUnixTimestamp64Milli(e.1), evs))),
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

/**
 * A user's loose slot entries as a time-sorted array of (first ms, last ms, kinds), where kinds has
 * bit 1 for a message_received, 2 for a resolved, 4 for a handoff in that slot. Slots are cut at
 * quarter hours like the range, so "before `to`" is just "in a slot before `to`".
 */
export const LOOSE_PARTS = `arraySort(groupArrayIf(
      (toUnixTimestamp64Milli(loose_first), toUnixTimestamp64Milli(loose_last),
       toUInt8((loose_request < ${ROLLUP_NONE}) + 2 * (loose_resolved < ${ROLLUP_NONE}) + 4 * (loose_handoff < ${ROLLUP_NONE}))),
      loose_first < ${ROLLUP_NONE}))`;

/**
 * Loose sessions of a sorted array of slot entries: split where the gap from the latest last event of
 * the entries before reaches the session timeout. Not the entry just before: pieces of one slot (several
 * bots, parts not merged yet) sort by first event, so 10:00-10:14 comes before 10:01-10:02, and a
 * 10:43 event is 29 minutes after the slot's last event, not 41.
 * The running max is read from the lasts sorted on their own: entry i's gap to the (i-1)-th smallest
 * last reaches the (positive) timeout exactly when its gap to the max of the i-1 lasts before it does,
 * because every last below entry i's first belongs to an entry before it (entries after start no earlier).
 */
export const splitSessions = (parts: string): string =>
  `arraySplit((p, prev_last) -> p.1 - prev_last >= session_gap_ms, ${parts},
     arrayPopBack(arrayPushFront(arraySort(arrayMap(p -> p.2, ${parts})), ${parts}[1].1)))`;

/** The kinds of a session (bits OR-ed over its slots): 1 and 2 without 4 is resolved by the bot. */
export const sessionKinds = (session: string): string => `arrayReduce('groupBitOr', arrayMap(p -> p.3, ${session}))`;

/**
 * Every session starting in [from, to), one row each, from the rollups (same definitions as
 * sessionCtes): `rollup_sessions (channel, user_id, started, has_request, resolved)`. Only when
 * rollupCutsSessions holds for the project's timeout.
 */
export function rollupSessionsCte(scope: string, db: string): string {
  return `
  ${sessionGapHead(db)},${rollupSessionsOnlyCte(scope, db)}`;
}

/** A loose rollup session (array of slot entries) had a request / was resolved by the bot (no handoff). */
export const looseHasRequestSql = (session: string): string => `bitAnd(${sessionKinds(session)}, 1) = 1`;
export const looseResolvedSql = (session: string): string => `bitAnd(${sessionKinds(session)}, 7) = 3`;

/**
 * One row per sessionId session starting in [startFrom, to) from the rollup: (channel, user_id,
 * started, req, res, ho), the last three the first request, resolution and handoff (ROLLUP_NONE if none).
 */
export const idSessionRowsSql = (scope: string, db: string, startFrom: string): string => `
      SELECT channel, user_id, min(first_ts) AS started, min(request) AS req, min(resolved) AS res, min(handoff) AS ho
      FROM ${db}.${ROLLUP_TABLES.idSessions}
      WHERE ${scope}
      GROUP BY channel, user_id, session_id
      HAVING started >= ${startFrom} AND started < range_to`;

/** A sessionId session judged on its events before `before`: had a request / was resolved by the bot. */
export const idHasRequestSql = (before: string): string => `req < ${before}`;
export const idResolvedSql = (before: string): string => `req < ${before} AND res < ${before} AND NOT ho < ${before}`;

/** rollupSessionsCte for a WITH that binds `session_gap_ms` already (sessionGapHead). */
export function rollupSessionsOnlyCte(scope: string, db: string): string {
  return `
  rollup_sessions AS (
    SELECT channel, user_id, fromUnixTimestamp64Milli(s[1].1, 'UTC') AS started,
      ${looseHasRequestSql("s")} AS has_request,
      ${looseResolvedSql("s")} AS resolved
    FROM (
      SELECT channel, user_id, ${LOOSE_PARTS} AS parts
      FROM ${db}.${ROLLUP_TABLES.userSlots}
      WHERE ${scope} AND slot < range_to
      GROUP BY channel, user_id
    )
    ARRAY JOIN ${splitSessions("parts")} AS s
    WHERE started >= range_from
    UNION ALL
    SELECT channel, user_id, started, ${idHasRequestSql("range_to")} AS has_request, ${idResolvedSql("range_to")} AS resolved
    FROM (${idSessionRowsSql(scope, db, "range_from")}
    )
  )`;
}

/**
 * Sessions per user: CTEs for a WITH (after RANGE_HEAD) and a SELECT of (channel, user_id, n), one row
 * per user with at least one session starting in range, on either path.
 */
export function sessionsPerUserSql(scope: string, db: string, path: FactPath): { ctes: string; select: string } {
  return path === "rollup"
    ? { ctes: rollupSessionsCte(scope, db), select: "SELECT channel, user_id, count() AS n FROM rollup_sessions GROUP BY channel, user_id" }
    : { ctes: sessionCtes(scope, db), select: "SELECT channel, user_id, sessions AS n FROM users WHERE sessions > 0" };
}

/**
 * (bucket, value, base) per bucket of the session start: sessions (base 1), or sessions resolved by
 * the bot over sessions with a request. CTEs go after RANGE_HEAD.
 */
export function sessionsByBucketSql(scope: string, db: string, bucketOf: (column: string) => string, path: FactPath, figure: "sessions" | "resolution"): { ctes: string; select: string } {
  const value = figure === "sessions" ? "count() AS value, 1 AS base" : "countIf(resolved) AS value, countIf(has_request) AS base";
  return path === "rollup"
    ? { ctes: rollupSessionsCte(scope, db), select: `SELECT ${bucketOf("started")} AS bucket, ${value} FROM rollup_sessions GROUP BY bucket` }
    : { ctes: sessionCtes(scope, db), select: `SELECT ${bucketOf("started")} AS bucket, ${value} FROM sessions WHERE started >= range_from GROUP BY bucket` };
}
