import { z } from "zod";
import { CSAT_RATINGS } from "@chatfunnel/contract";
import { CommonQuerySchema, RangeEchoSchema, RateSchema } from "./common.js";
import { IntervalSchema } from "./timeseries.js";

/** Support by the bot and by people. The definitions, which tests/reference/support.ts follows (README "Decisions"); also the answer's description in openapi.json. */
/** Hours after a resolution within which a new session with a request counts as a reopen. */
export const REOPEN_WITHIN_HOURS = 24;
/** Hours after a handoff within which an operator's message is its answer; later ones leave it unanswered. */
export const OPERATOR_ANSWER_WITHIN_HOURS = 24;

export const SUPPORT_SEMANTICS = [
  "- Sessions are the session fact's (one sessionId, or gaps below the project's timeout); a session belongs to the range where it starts and is judged on its events before `to`, like every session metric.",
  "- A request is a session with a `message_received`; every rate below is over requests unless noted. contained = no `handoff`; handoff = a `handoff`; resolved = a `resolved` (by the bot or by a person); botResolved = resolved and no handoff (the overview's bot resolution rate, same definition).",
  `- reopened: a resolved request after whose last \`resolved\` event the same user starts another session with a request at resolvedAt < start ≤ resolvedAt + ${REOPEN_WITHIN_HOURS} h. Over resolved requests. Only sessions starting before \`to\` are seen, so the last day of a range can only gain reopens when the range grows.`,
  `- Bot first response: first \`message_received\` → first \`message_sent\` by the bot (\`sender\` absent or \`bot\`) at or after it, in the same session. Human first response: the request's first \`handoff\` → the user's first \`message_sent\` with \`sender = operator\` at or after it and within ${OPERATOR_ANSWER_WITHIN_HOURS} h, in that session or a later one (a person may take longer than the session gap; an answer at or after \`to\` is not seen yet); an operator message before the handoff does not answer it. Each over the requests that have both ends; medians are the mean of the two middle values for an even count (ms precision, in seconds).`,
  "- CSAT: `survey_answered` events in [from, to) with question `csat` and an answer 1–5; mean of the answers.",
  "- Use-case mix per `interval` bucket of session start (local dates in `tz`, weeks from Monday): over all sessions starting in the bucket (a payment needs no request), the share with an `order` or `payment`, a `lead`, a `survey_answered`, a `handoff`; a session can count in several.",
].join("\n");

export const SupportQuerySchema = CommonQuerySchema.extend({
  interval: IntervalSchema.default("day").meta({ description: "Buckets of the use-case mix: day, week (from Monday) or month, of session start in tz" }),
});
export type SupportQuery = z.infer<typeof SupportQuerySchema>;


export const SupportMixBucketSchema = z.object({
  /** The local date the bucket starts on (the day, the Monday, the 1st). Every bucket of the range, empty ones included. */
  bucket: z.iso.date(),
  sessions: z.number().int().nonnegative(),
  /** Shares of `sessions`, null when it is 0. */
  paymentShare: RateSchema.meta({ description: "sessions with an order or a payment / sessions" }),
  leadShare: RateSchema,
  surveyShare: RateSchema,
  handoffShare: RateSchema,
});
export type SupportMixBucket = z.infer<typeof SupportMixBucketSchema>;

export const SupportResponseSchema = z
  .object({
    range: RangeEchoSchema,
    interval: IntervalSchema,
    /** Sessions starting in range with a message_received. */
    requests: z.number().int().nonnegative(),
    containedRate: RateSchema,
    resolvedRate: RateSchema,
    botResolvedRate: RateSchema,
    handoffRate: RateSchema,
    /** Resolved requests and the reopened share of them. */
    resolved: z.number().int().nonnegative(),
    reopened: z.number().int().nonnegative(),
    reopenedRate: RateSchema.meta({ description: "reopened / resolved: a new session with a request within 24 h after the last resolved event" }),
    botAnsweredSessions: z.number().int().nonnegative(),
    medianBotFirstResponseSeconds: z.number().nonnegative().nullable(),
    operatorAnsweredSessions: z.number().int().nonnegative(),
    medianOperatorFirstResponseSeconds: z
      .number()
      .nonnegative()
      .nullable()
      .meta({ description: "From the request's first handoff to the user's first message_sent with sender=operator at or after it, within 24 h, in any later session too" }),
    csat: z.object({
      responses: z.number().int().nonnegative(),
      /** Rounded to 4 decimals; null with no responses. */
      mean: z.number().min(1).max(5).nullable(),
      /** Responses per rating 1..5, always the five in order. */
      distribution: z.array(z.object({ rating: z.enum(CSAT_RATINGS), responses: z.number().int().nonnegative() })),
    }),
    mix: z.array(SupportMixBucketSchema),
  })
  .meta({ description: SUPPORT_SEMANTICS });
export type SupportResponse = z.infer<typeof SupportResponseSchema>;
