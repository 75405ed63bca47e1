import { CSAT_QUESTION, CSAT_RATINGS, OPERATOR_ANSWER_WITHIN_HOURS, REOPEN_WITHIN_HOURS, type Interval } from "@chatfunnel/schemas";
import { RANGE_HEAD, ROLLUP_NONE, ROLLUP_TABLES, sessionGapHead, type FactPath, epochMsSql, slotSessionsStaged } from "@chatfunnel/warehouse";
import { BUCKET_OF_TIME } from "../buckets.js";

/**
 * SQL of /api/v1/support (semantics: SUPPORT_SEMANTICS in schemas/src/api/support.ts).
 *
 * Sessions are cut exactly like the session fact's events path (warehouse/sessions.ts sessionCtes: the
 * project's timeout from sessionGapHead, one session per sessionId, loose events split where a gap reaches
 * the timeout). sessionCtes keeps only (ts, type) per event, and support also needs who sent a message, so
 * the timelines here carry a kind code instead; the cut itself is the same expression.
 */

/** One code per event: what support asks of it. Other events still shape sessions (kind OTHER). */
export const KIND = {
  other: 0,
  request: 1,
  botReply: 2,
  operatorReply: 3,
  handoff: 4,
  resolved: 5,
  payment: 6,
  lead: 7,
  survey: 8,
} as const;

/** A message_sent is the bot's unless `sender` says operator (absent or `bot` is the bot). */
const KIND_SQL = `multiIf(
      type = 'message_received', ${KIND.request},
      type = 'message_sent', if(properties['sender'] = 'operator', ${KIND.operatorReply}, ${KIND.botReply}),
      type = 'handoff', ${KIND.handoff},
      type = 'resolved', ${KIND.resolved},
      type IN ('order', 'payment'), ${KIND.payment},
      type = 'lead', ${KIND.lead},
      type = 'survey_answered', ${KIND.survey},
      ${KIND.other})`;

const HOUR_MS = 3_600_000;

/**
 * The analyzer's AND-chain pass (optimize_and_compare_chain) compares the operands of every AND it meets,
 * and here they are deep lambda trees repeated in every countIf: planning the support query took ~0.5 s
 * of CPU before any row was read, on 1M events as on 10M (measured with \`WHERE 0\`: 491 ms, 114 ms without
 * the pass). The pass only adds implied comparisons, so turning it off changes no answer.
 */
const SUPPORT_QUERY_SETTINGS = "SETTINGS optimize_and_compare_chain = 0";

/**
 * One row per `interval` bucket of session start (`bucket` = the label) and one totals row (GROUPING SETS;
 * its `bucket` is the String default '', which is why the label is a column of the inner query: an expression
 * in the outer one would be computed from the defaulted inputs, giving 1970-01-01): sessions and the mix counts per bucket; the request figures are read from the totals row.
 * Times are epoch ms (Int64); an absent instant is -1. Each event is one Int64, ms * 16 + kind: a plain sort of
 * numbers orders by time (equal times by kind, which changes no figure: every test is "at or after" or a gap)
 * and costs ~40% less than sorting (ts, kind) tuples with a lambda (1M bench events: ~200 vs ~350 ms).
 * Both paths build the same `per_user` rows (eventsPerUser, rollupPerUser) and share the figures over them.
 */
export function supportSql(scope: string, db: string, interval: Interval, path: FactPath): string {
  return `
WITH ${RANGE_HEAD}, ${sessionGapHead(db)}, toUnixTimestamp64Milli(range_from) AS from_ms,
${path === "rollup" ? rollupPerUser(scope, db) : eventsPerUser(scope, db)}
${figuresSql(interval)}`;
}

/** The events path's `per_user`: each (user, sessionId)'s events as one sorted Int64 array, cut into sessions. */
function eventsPerUser(scope: string, db: string): string {
  return `timelines AS (
  SELECT channel, user_id, session_id, arraySort(groupArray(toUnixTimestamp64Milli(ts) * 16 + ${KIND_SQL})) AS evs
  FROM ${db}.events FINAL
  WHERE ${scope} AND ts < range_to
  GROUP BY channel, user_id, session_id
),
sessions AS (
  SELECT channel, user_id, intDiv(s[1], 16) AS started,
    arrayExists(e -> e % 16 = ${KIND.request}, s) AS has_request,
    intDiv(arrayFirst(e -> e % 16 = ${KIND.request}, s), 16) AS first_request,
    arrayFirstIndex(e -> e % 16 = ${KIND.botReply} AND e >= first_request * 16, s) AS bot_reply_at,
    if(has_request AND bot_reply_at > 0, intDiv(s[bot_reply_at], 16) - first_request, -1) AS bot_ms,
    if(arrayExists(e -> e % 16 = ${KIND.handoff}, s), intDiv(arrayFirst(e -> e % 16 = ${KIND.handoff}, s), 16), -1) AS handoff_at,
    if(arrayExists(e -> e % 16 = ${KIND.resolved}, s), intDiv(arrayMax(arrayFilter(e -> e % 16 = ${KIND.resolved}, s)), 16), -1) AS last_resolved,
    arrayMap(e -> intDiv(e, 16), arrayFilter(e -> e % 16 = ${KIND.operatorReply}, s)) AS operator_times,
    arrayExists(e -> e % 16 = ${KIND.payment}, s) AS has_payment,
    arrayExists(e -> e % 16 = ${KIND.lead}, s) AS has_lead,
    arrayExists(e -> e % 16 = ${KIND.survey}, s) AS has_survey
  FROM timelines
  ARRAY JOIN if(session_id = '',
    arraySplit((e, gap_ms) -> gap_ms >= session_gap_ms, evs, arrayDifference(arrayMap(e -> intDiv(e, 16), evs))),
    [evs]) AS s
),
per_user AS (
  SELECT
    -- every operator message of the user before \`to\`, in any session: a person may answer after the session gap
    arraySort(arrayFlatten(groupArray(operator_times))) AS user_operator_times,
    groupArrayIf(started, has_request AND started >= from_ms) AS request_starts,
    groupArrayIf((started, has_request, bot_ms, handoff_at, last_resolved, has_payment, has_lead, has_survey), started >= from_ms) AS in_range
  FROM sessions
  GROUP BY channel, user_id
  HAVING length(in_range) > 0
)`;
}

/**
 * The rollup path's `per_user`, the same columns from conversation_slots (migration 12): sessions cut by
 * slotSessionsStaged, and per session the minimum of the first requests and handoffs, the maximum of the last
 * resolutions, the flags OR-ed, and the earliest bot reply at or after the session's first request among every
 * slot's reply instants (a set, so a reply before a request stored later is still seen; a bot reply is an even
 * element, ms * 2; a row whose last event is before the request has none, so its replies are not scanned).
 * Only the bot replies enter the per-user arrays (the operator ones are odd and never read here): on 10M events
 * carrying every reply through the sort and the cut cost ~0.4 s of CPU. Operator replies are the user's in any
 * session.
 */
function rollupPerUser(scope: string, db: string): string {
  // (session_id, slot, first, last, first request, first handoff, last resolved (0: none), payment, lead, survey, bot replies)
  const row = `(session_id, slot, ${epochMsSql("first_ts")}, ${epochMsSql("last_ts")}, ${epochMsSql("request")}, ${epochMsSql("handoff")}, ${epochMsSql("resolved_last")}, payment, lead, survey, arrayFilter(e -> e % 2 = 0, replies))`;
  const perUserRows = `
        SELECT arraySort(groupArray(${row})) AS slot_rows, arraySort(groupArrayArray(operator_replies)) AS user_operator_times
        FROM ${db}.${ROLLUP_TABLES.conversationSlots}
        WHERE ${scope} AND slot < range_to
        GROUP BY channel, user_id`;
  return `${epochMsSql(ROLLUP_NONE)} AS none,
per_user AS (
  SELECT user_operator_times, in_range, arrayMap(x -> x.1, arrayFilter(x -> x.2, in_range)) AS request_starts
  FROM (
    SELECT user_operator_times,
      -- (started, has_request, bot_ms, handoff_at, last_resolved, has_payment, has_lead, has_survey), like the events path
      arrayFilter(x -> x.1 >= from_ms, arrayMap(ss -> (ss[1].3,
          arrayMin(arrayMap(r -> r.5, ss)) AS request_ms,
          request_ms < none,
          arrayMin(arrayMap(r -> if(r.4 >= request_ms, arrayMin(arrayPushBack(arrayFilter(e -> e >= request_ms * 2, r.11), none * 2)), none * 2), ss)) AS bot_reply,
          if(bot_reply < none * 2, intDiv(bot_reply, 2) - request_ms, -1),
          arrayMin(arrayMap(r -> r.6, ss)) AS handoff_ms,
          if(handoff_ms < none, handoff_ms, -1),
          arrayMax(arrayMap(r -> r.7, ss)) AS resolved_ms,
          if(resolved_ms > 0, resolved_ms, -1),
          arrayMax(arrayMap(r -> r.8, ss)) = 1,
          arrayMax(arrayMap(r -> r.9, ss)) = 1,
          arrayMax(arrayMap(r -> r.10, ss)) = 1), user_sessions)) AS sessions_tuples,
      arrayMap(x -> (x.1, x.3, x.5, x.7, x.9, x.10, x.11, x.12), sessions_tuples) AS in_range
    FROM (${slotSessionsStaged(perUserRows, "user_operator_times")})
  )
  WHERE length(in_range) > 0
)`;
}

/** The figures of both paths from `per_user` (user_operator_times, request_starts, in_range). */
function figuresSql(interval: Interval): string {
  const bucketOf = BUCKET_OF_TIME[interval]("fromUnixTimestamp64Milli(m.1, 'UTC')");
  return `SELECT bucket,
  count() AS sessions,
  countIf(has_payment) AS with_payment,
  countIf(has_lead) AS with_lead,
  countIf(has_survey) AS with_survey,
  countIf(handoff_at >= 0) AS with_handoff,
  countIf(has_request) AS requests,
  countIf(has_request AND handoff_at < 0) AS contained,
  countIf(has_request AND handoff_at >= 0) AS handoffs,
  countIf(has_request AND last_resolved >= 0) AS resolved,
  countIf(has_request AND last_resolved >= 0 AND handoff_at < 0) AS bot_resolved,
  countIf(has_request AND last_resolved >= 0 AND reopens) AS reopened,
  countIf(has_request AND bot_ms >= 0) AS bot_answered,
  quantileExactInclusiveIf(0.5)(toFloat64(bot_ms), has_request AND bot_ms >= 0) AS bot_median_ms,
  countIf(has_request AND operator_ms >= 0) AS operator_answered,
  quantileExactInclusiveIf(0.5)(toFloat64(operator_ms), has_request AND operator_ms >= 0) AS operator_median_ms
FROM (
  SELECT ${bucketOf} AS bucket, m.2 AS has_request, m.3 AS bot_ms, m.4 AS handoff_at, m.5 AS last_resolved,
    m.6 AS has_payment, m.7 AS has_lead, m.8 AS has_survey,
    last_resolved >= 0 AND arrayExists(start -> start > last_resolved AND start <= last_resolved + ${REOPEN_WITHIN_HOURS * HOUR_MS}, request_starts) AS reopens,
    -- the operator times are sorted, so the first one in the window is the earliest answer
    if(handoff_at < 0, 0, arrayFirstIndex(t -> t >= handoff_at AND t <= handoff_at + ${OPERATOR_ANSWER_WITHIN_HOURS * HOUR_MS}, user_operator_times)) AS operator_index,
    if(operator_index = 0, -1, user_operator_times[operator_index] - handoff_at) AS operator_ms
  FROM per_user
  ARRAY JOIN in_range AS m
)
GROUP BY GROUPING SETS ((bucket), ())
${SUPPORT_QUERY_SETTINGS}`;
}

/** CSAT responses in [from, to) per rating: question `csat`, answer one of the five stored digits. */
export function csatSql(scope: string, db: string, path: FactPath): string {
  if (path === "rollup") {
    // Each (user, event id) once: a resent answer is the same element in the same user's rows.
    return `
WITH ${RANGE_HEAD}
SELECT answer.2 AS rating, uniqExact(channel, user_id, answer.1) AS responses
FROM ${db}.${ROLLUP_TABLES.conversationSlots}
ARRAY JOIN csat AS answer
WHERE ${scope} AND slot >= range_from AND slot < range_to
GROUP BY rating`;
  }
  return `
WITH ${RANGE_HEAD}
SELECT properties['answer'] AS rating, count() AS responses
FROM ${db}.events FINAL
WHERE ${scope} AND ts >= range_from AND ts < range_to AND type = 'survey_answered'
  AND properties['question'] = '${CSAT_QUESTION}' AND rating IN (${CSAT_RATINGS.map((r) => `'${r}'`).join(", ")})
GROUP BY rating`;
}
