/**
 * Support in plain TypeScript over an in-memory event list, from the semantics in schemas/src/api/support.ts.
 * Sessions are tests/reference/sessions.ts's (the session fact), so support and overview agree on them.
 */
import { CSAT_QUESTION, CSAT_RATINGS, OPERATOR_ANSWER_WITHIN_HOURS, REOPEN_WITHIN_HOURS, type Interval, type SupportResponse } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { inRange, scoped, userKey, type RefEvent } from "./events.js";
import { hasRequest, hasType, isResolved, sessionsInRange, type RefSession } from "./sessions.js";
import { bucketAt, bucketLabels, iso, medianSeconds, rate, round4 } from "./figures.js";

const firstTs = (events: RefEvent[], test: (e: RefEvent) => boolean): number | undefined => {
  const times = events.filter(test).map((e) => e.ts);
  return times.length === 0 ? undefined : Math.min(...times);
};
const isBotReply = (e: RefEvent) => e.type === "message_sent" && (e.properties.sender ?? "bot") !== "operator";
const isOperatorReply = (e: RefEvent) => e.type === "message_sent" && e.properties.sender === "operator";

/** From the first event matching `from` to the first `reply` at or after it, in ms; undefined without both. */
function responseMs(session: RefSession, from: (e: RefEvent) => boolean, reply: (e: RefEvent) => boolean): number | undefined {
  const start = firstTs(session.events, from);
  if (start === undefined) return undefined;
  const answer = firstTs(session.events, (e) => reply(e) && e.ts >= start);
  return answer === undefined ? undefined : answer - start;
}

export const botFirstResponseMs = (s: RefSession) => responseMs(s, (e) => e.type === "message_received", isBotReply);

/**
 * The session's first handoff → the user's first operator message at or after it, within 24 h, in this session or
 * a later one (a person may take longer than the session gap); `operatorTimes` are the user's operator messages.
 */
export function operatorFirstResponseMs(session: RefSession, operatorTimes: number[]): number | undefined {
  const handoff = firstTs(session.events, (e) => e.type === "handoff");
  if (handoff === undefined) return undefined;
  const answers = operatorTimes.filter((ts) => ts >= handoff && ts <= handoff + OPERATOR_ANSWER_WITHIN_HOURS * 3_600_000);
  return answers.length === 0 ? undefined : Math.min(...answers) - handoff;
}

/** A CSAT rating as stored text "1".."5", or undefined for anything else. */
export function csatRating(event: RefEvent): string | undefined {
  if (event.type !== "survey_answered" || event.properties.question !== CSAT_QUESTION) return undefined;
  const answer = event.properties.answer;
  return answer !== undefined && (CSAT_RATINGS as readonly string[]).includes(answer) ? answer : undefined;
}

export function refSupport(events: RefEvent[], filters: ResolvedFilters, interval: Interval): SupportResponse {
  const inScope = scoped(events, filters);
  const sessions = sessionsInRange(inScope, filters);
  const requests = sessions.filter(hasRequest);
  const resolved = requests.filter((s) => hasType(s, "resolved"));
  // A reopening session starts after a resolution in range, so it is itself a request in range.
  const requestStarts = new Map<string, number[]>();
  for (const s of requests) requestStarts.set(s.user, [...(requestStarts.get(s.user) ?? []), s.start]);
  const reopened = resolved.filter((s) => {
    const resolvedAt = Math.max(...s.events.filter((e) => e.type === "resolved").map((e) => e.ts));
    return (requestStarts.get(s.user) ?? []).some((start) => start > resolvedAt && start <= resolvedAt + REOPEN_WITHIN_HOURS * 3_600_000);
  });
  const bot = requests.map(botFirstResponseMs).filter((ms): ms is number => ms !== undefined);
  // Operator messages before `to` (the answer is judged on what exists by then), per user.
  const operatorTimes = new Map<string, number[]>();
  for (const e of inScope) if (isOperatorReply(e) && e.ts < filters.toMs) operatorTimes.set(userKey(e), [...(operatorTimes.get(userKey(e)) ?? []), e.ts]);
  const operator = requests.map((s) => operatorFirstResponseMs(s, operatorTimes.get(s.user) ?? [])).filter((ms): ms is number => ms !== undefined);
  const ratings = inScope.filter((e) => inRange(e.ts, filters)).map(csatRating).filter((r): r is string => r !== undefined);
  const share = (list: RefSession[], test: (s: RefSession) => boolean) => rate(list.filter(test).length, list.length);
  const mix = bucketLabels(filters.fromMs, filters.toMs, filters.tz, interval).map((bucket) => {
    const mine = sessions.filter((s) => bucketAt(s.start, filters.tz, interval) === bucket);
    return {
      bucket,
      sessions: mine.length,
      paymentShare: share(mine, (s) => hasType(s, "order") || hasType(s, "payment")),
      leadShare: share(mine, (s) => hasType(s, "lead")),
      surveyShare: share(mine, (s) => hasType(s, "survey_answered")),
      handoffShare: share(mine, (s) => hasType(s, "handoff")),
    };
  });
  return {
    range: { from: iso(filters.fromMs), to: iso(filters.toMs), tz: filters.tz },
    interval,
    requests: requests.length,
    containedRate: share(requests, (s) => !hasType(s, "handoff")),
    resolvedRate: rate(resolved.length, requests.length),
    botResolvedRate: share(requests, isResolved),
    handoffRate: share(requests, (s) => hasType(s, "handoff")),
    resolved: resolved.length,
    reopened: reopened.length,
    reopenedRate: rate(reopened.length, resolved.length),
    botAnsweredSessions: bot.length,
    medianBotFirstResponseSeconds: medianSeconds(bot),
    operatorAnsweredSessions: operator.length,
    medianOperatorFirstResponseSeconds: medianSeconds(operator),
    csat: {
      responses: ratings.length,
      mean: ratings.length === 0 ? null : round4(ratings.reduce((sum, r) => sum + Number(r), 0) / ratings.length),
      distribution: CSAT_RATINGS.map((rating) => ({ rating, responses: ratings.filter((r) => r === rating).length })),
    },
    mix,
  };
}
