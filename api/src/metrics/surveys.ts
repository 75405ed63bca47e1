import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { MAX_SURVEY_ANSWERS, type SurveyAnswer, type SurveyQuestion, type SurveysResponse } from "@chatfunnel/schemas";
import { runQuery, RANGE_HEAD, eventScope, type ResolvedFilters } from "@chatfunnel/warehouse";
import { rangeEcho } from "./range-echo.js";
import { byteOrderNullLast } from "./surveys/text-order.js";

const num = z.coerce.number();
/** A question-level row has answer NULL (group_by_use_nulls); a stored answer is never NULL, only "". */
const RowSchema = z.object({
  question: z.string(),
  answer: z.string().nullable(),
  responses: num,
  users: num,
  lead_users: num,
  order_users: num,
});

const rate = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);
// The engine's Map(String, String) cannot tell a missing property from "": both mean "none".
const textOrNull = (text: string): string | null => (text === "" ? null : text);

/**
 * Survey answers in range and what each answer's users did within `window` after it (SURVEYS_SEMANTICS).
 * One scan: per user their answers in range and their lead / order instants up to `to` + window (later ones
 * cannot fall in any window), then per (user, question, answer) the earliest answer and whether an outcome
 * follows it; one GROUP BY with two grouping sets gives the answers and the questions' distinct users.
 */
export async function surveys(storage: Storage, filters: ResolvedFilters, windowSeconds: number): Promise<SurveysResponse> {
  const scope = eventScope(filters, storage.database);
  const sql = `
WITH ${RANGE_HEAD}
SELECT question, answer, sum(n) AS responses, uniqExact(channel, user_id) AS users, countIf(led) AS lead_users, countIf(ordered) AS order_users
FROM (
  SELECT channel, user_id, a.1 AS question, a.2 AS answer, count() AS n, min(a.3) AS answered_ms,
    arrayExists(t -> t >= answered_ms AND t <= answered_ms + {windowMs:Int64}, any(leads)) AS led,
    arrayExists(t -> t >= answered_ms AND t <= answered_ms + {windowMs:Int64}, any(orders)) AS ordered
  FROM (
    SELECT channel, user_id,
      groupArrayIf((properties['question'], properties['answer'], toUnixTimestamp64Milli(ts)), type = 'survey_answered' AND ts < range_to) AS answers,
      groupArrayIf(toUnixTimestamp64Milli(ts), type = 'lead') AS leads,
      groupArrayIf(toUnixTimestamp64Milli(ts), type = 'order') AS orders
    FROM ${storage.database}.events FINAL
    WHERE ${scope.sql} AND type IN ('survey_answered', 'lead', 'order')
      AND ts >= range_from AND ts <= range_to + toIntervalMillisecond({windowMs:Int64})
    GROUP BY channel, user_id
    HAVING notEmpty(answers)
  )
  ARRAY JOIN answers AS a
  GROUP BY channel, user_id, question, answer
)
GROUP BY GROUPING SETS ((question, answer), (question))
SETTINGS group_by_use_nulls = 1`;
  const rows = await runQuery(storage, sql, { ...scope.params, windowMs: windowSeconds * 1000 }, RowSchema);

  const byQuestion = new Map<string, { responses: number; users: number; answers: SurveyAnswer[] }>();
  const entry = (question: string) => {
    const known = byQuestion.get(question) ?? { responses: 0, users: 0, answers: [] };
    byQuestion.set(question, known);
    return known;
  };
  for (const row of rows) {
    const question = entry(row.question);
    if (row.answer === null) {
      question.responses = row.responses;
      question.users = row.users;
    } else {
      question.answers.push({
        answer: textOrNull(row.answer),
        responses: row.responses,
        users: row.users,
        leadShare: rate(row.lead_users, row.users),
        orderShare: rate(row.order_users, row.users),
      });
    }
  }
  const questions: SurveyQuestion[] = [...byQuestion].map(([question, { responses, users, answers }]) => {
    answers.sort((a, b) => b.responses - a.responses || byteOrderNullLast(a.answer, b.answer));
    return {
      question: textOrNull(question),
      responses,
      users,
      answers: answers.slice(0, MAX_SURVEY_ANSWERS),
      otherResponses: answers.slice(MAX_SURVEY_ANSWERS).reduce((sum, a) => sum + a.responses, 0),
    };
  });
  questions.sort((a, b) => b.responses - a.responses || byteOrderNullLast(a.question, b.question));
  return { range: rangeEcho(filters), windowSeconds, questions };
}
