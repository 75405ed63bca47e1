import { z } from "zod";
import { DEFAULT_SURVEY_WINDOW, FUNNEL_WINDOW_PATTERN_SOURCE } from "@chatfunnel/contract";
import { CommonQuerySchema, RangeEchoSchema, RateSchema } from "./common.js";
import { FunnelWindowSchema } from "./funnel.js";

// The default is plain contract/ (the dashboard page starts from it).
export { DEFAULT_SURVEY_WINDOW } from "@chatfunnel/contract";

/** Surveys (опросы, бриф). The definitions, which tests/reference/surveys.ts follows (README "Decisions"); also the answer's description in openapi.json. */
export const MAX_SURVEY_ANSWERS = 50;

export const SURVEYS_SEMANTICS = [
  "- Responses are `survey_answered` events in scope with timestamp in [from, to), a resend counted once. Their `properties.question` and `properties.answer` are read as stored text (numbers and booleans as JSON text: a rating 5 is \"5\"); a response without one is grouped under null, never dropped.",
  "- Per question: responses (events) and users (distinct). Per answer: responses, users, and of those users the share with a `lead` / an `order` at answeredAt ≤ t ≤ answeredAt + window, answeredAt being the user's earliest response with that answer in range; those events may fall after `to`. A user who gave two answers counts in both.",
  `- Answers: the ${MAX_SURVEY_ANSWERS} with most responses (ties by answer text, null last); the rest summed in \`otherResponses\`. Questions: most responses first, ties by question text, null last. Texts compare by UTF-8 bytes (the engine's String order).`,
].join("\n");


export const SurveysQuerySchema = CommonQuerySchema.extend({
  window: FunnelWindowSchema.prefault(DEFAULT_SURVEY_WINDOW).meta({
    type: "string",
    pattern: FUNNEL_WINDOW_PATTERN_SOURCE,
    default: DEFAULT_SURVEY_WINDOW,
    description: "How long after a user's answer a lead or order counts (30m, 12h, 7d … at most 90d; the funnel's grammar), edges included",
  }),
});
export type SurveysQuery = z.infer<typeof SurveysQuerySchema>;

export const SurveyAnswerSchema = z.object({
  answer: z.string().nullable(),
  responses: z.number().int().nonnegative(),
  users: z.number().int().nonnegative(),
  leadShare: RateSchema.meta({ description: "users with a lead within `window` after their answer / users" }),
  orderShare: RateSchema,
});
export type SurveyAnswer = z.infer<typeof SurveyAnswerSchema>;

export const SurveyQuestionSchema = z.object({
  question: z.string().nullable(),
  responses: z.number().int().nonnegative(),
  users: z.number().int().nonnegative(),
  answers: z.array(SurveyAnswerSchema),
  /** Responses whose answer is beyond the first MAX_SURVEY_ANSWERS. */
  otherResponses: z.number().int().nonnegative(),
});
export type SurveyQuestion = z.infer<typeof SurveyQuestionSchema>;

export const SurveysResponseSchema = z
  .object({
    range: RangeEchoSchema,
    windowSeconds: z.number().int().positive(),
    questions: z.array(SurveyQuestionSchema),
  })
  .meta({ description: SURVEYS_SEMANTICS });
export type SurveysResponse = z.infer<typeof SurveysResponseSchema>;
