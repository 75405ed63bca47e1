/** Surveys in plain TypeScript over an in-memory event list, from the semantics in schemas/src/api/surveys.ts. */
import { MAX_SURVEY_ANSWERS, type SurveyAnswer, type SurveysResponse } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { inRange, scoped, userKey, type RefEvent } from "./events.js";
import { byteOrderNullLast, iso, rate } from "./figures.js";

const byText = byteOrderNullLast;
// The engine's Map(String, String) cannot tell a missing property from "": both are "none".
const textOrNull = (value: string | undefined): string | null => value || null;

export function refSurveys(events: RefEvent[], filters: ResolvedFilters, windowSeconds: number): SurveysResponse {
  const inScope = scoped(events, filters);
  const windowMs = windowSeconds * 1000;
  const outcomes = new Map<string, RefEvent[]>();
  for (const e of inScope) if (e.type === "lead" || e.type === "order") outcomes.set(userKey(e), [...(outcomes.get(userKey(e)) ?? []), e]);
  const converted = (user: string, at: number, type: string) => (outcomes.get(user) ?? []).some((e) => e.type === type && e.ts >= at && e.ts <= at + windowMs);

  const responses = inScope.filter((e) => e.type === "survey_answered" && inRange(e.ts, filters));
  const byQuestion = new Map<string | null, RefEvent[]>();
  for (const e of responses) {
    const question = textOrNull(e.properties.question);
    byQuestion.set(question, [...(byQuestion.get(question) ?? []), e]);
  }
  const questions = [...byQuestion].map(([question, list]) => {
    const byAnswer = new Map<string | null, RefEvent[]>();
    for (const e of list) {
      const answer = textOrNull(e.properties.answer);
      byAnswer.set(answer, [...(byAnswer.get(answer) ?? []), e]);
    }
    const answers: SurveyAnswer[] = [...byAnswer].map(([answer, answered]) => {
      const firstAt = new Map<string, number>();
      for (const e of answered) firstAt.set(userKey(e), Math.min(firstAt.get(userKey(e)) ?? Infinity, e.ts));
      const users = [...firstAt];
      return {
        answer,
        responses: answered.length,
        users: users.length,
        leadShare: rate(users.filter(([user, at]) => converted(user, at, "lead")).length, users.length),
        orderShare: rate(users.filter(([user, at]) => converted(user, at, "order")).length, users.length),
      };
    });
    answers.sort((a, b) => b.responses - a.responses || byText(a.answer, b.answer));
    const shown = answers.slice(0, MAX_SURVEY_ANSWERS);
    return {
      question,
      responses: list.length,
      users: new Set(list.map(userKey)).size,
      answers: shown,
      otherResponses: answers.slice(MAX_SURVEY_ANSWERS).reduce((sum, a) => sum + a.responses, 0),
    };
  });
  questions.sort((a, b) => b.responses - a.responses || byText(a.question, b.question));
  return { range: { from: iso(filters.fromMs), to: iso(filters.toMs), tz: filters.tz }, windowSeconds, questions };
}
