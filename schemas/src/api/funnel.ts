import { z } from "zod";
import {
  DEFAULT_DROPOFF_LIMIT,
  DEFAULT_FUNNEL_WINDOW,
  FUNNEL_BREAKDOWNS,
  FUNNEL_MODES,
  FUNNEL_WINDOW_MESSAGE,
  FUNNEL_WINDOW_PATTERN,
  FUNNEL_WINDOW_PATTERN_SOURCE,
  DEFAULT_FUNNEL_BREAKDOWN_LIMIT,
  FUNNEL_BREAKDOWN_ATTRIBUTION_PATTERN_SOURCE,
  MAX_DROPOFF_LIMIT,
  MAX_FUNNEL_BINS,
  MAX_FUNNEL_BREAKDOWN_GROUPS,
  MAX_PROPERTY_BREAKDOWNS,
  PROPERTY_BREAKDOWN_PREFIX,
  isPropertyBreakdown,
  MAX_FUNNEL_STEPS,
  MAX_FUNNEL_WINDOW_SECONDS,
  MAX_PROPERTY_NAME_LENGTH,
  MAX_STEP_ALTERNATIVES,
  MAX_STEP_FILTERS,
  MAX_STEP_FILTER_VALUE_LENGTH,
  MIN_FUNNEL_STEPS,
  NUMERIC_FILTER_OPS,
  PRESENCE_FILTER_OPS,
  STEP_FILTER_OPS,
  formatStepText,
  funnelWindowSeconds,
  parseStepText,
  propertyNumber,
} from "@chatfunnel/contract";
import { ChannelSchema, EventTypeSchema } from "../event.js";
import { CommonQuerySchema, RateSchema } from "./common.js";

/**
 * Funnel queries. Semantics (the reference implementation in tests/reference/funnel.ts follows these):
 *
 * - Events in scope: the common filters (project, channel, botId, campaign), a resend (same user and event id)
 *   counted once, with timestamps in [from, to + window). A user is (channel, userId).
 * - The user's events are ordered by timestamp; events at the same millisecond by the first step they match
 *   (earlier steps first, events matching no step last), then by the set of steps they match; in strict mode
 *   with `hold`, then by the held value (events carrying it first, by its text's bytes, then those without it),
 *   since there the very next event decides. Events equal in all of that are interchangeable, so every answer
 *   is deterministic.
 * - An event matches a step when it matches any of the step's alternatives (`lead|order[plan=pro]`; a step
 *   written without `|` has one). It matches an alternative when its type equals the alternative's and every
 *   filter holds. Property values are read as text (strings as they are; numbers, booleans and null as their
 *   JSON text: `n=1`, `vip=true`):
 *   - `[p=v]`: p is present with exactly the text v (`[p=]` needs p present and empty);
 *   - `[p!=v]`: the negation of `[p=v]`: an event without p matches (as in PostHog and Mixpanel: absent is
 *     "not equal");
 *   - `[p>v]`, `[p>=v]`, `[p<v]`, `[p<=v]`: p is present and its text is a number (optional sign, digits with
 *     an optional point, optional exponent: `100`, `-2.5`, `.5`, `1e3`; within a double's range), compared as
 *     doubles with v. An absent p, or a text that is not a number (`"abc"`, `""`, `true`, `1e400`), never
 *     matches a numeric comparison, whichever its direction;
 *   - `[p~v]`: p is present and, both sides lowercased with Unicode's full lowercase mapping (JavaScript's
 *     String.prototype.toLowerCase, the engine's lowerUTF8: final sigma, `İ` → `i̇` included), p's text
 *     contains v's; `[p~]` holds for any present p. No other folding: `ё` does not match `е`, and a final
 *     `Σ` lowercases to `ς`, so `[p~Σ]` does not find `ΟΔΟΣ`;
 *   - `[p?]`: p is present (with any value, "" included); `[p!?]`: p is absent.
 *   One event may match several steps (a repeated type, or alternatives shared between steps).
 * - An attempt starts at an event matching step 1 (in `any` mode: any step) with timestamp in [from, to);
 *   every later step of the attempt happens at most `window` after the start (inclusive).
 *   - ordered: steps 1..k are matched by events e1 < e2 < … < ek in that order (other events may come between);
 *     an attempt follows the earliest match of each next step.
 *   - strict: like ordered, but step k+1 must be the very next event of the user in scope after step k: any
 *     event in between (of any type, including a repeat of step k) ends the attempt.
 *   - any: steps 1..k all occur within the window, in any order, the start event being one of them; one event
 *     may satisfy several steps (e.g. `button_clicked` and `button_clicked[plan=pro]`).
 * - Per-step windows (`lead<=1h`, JSON `"within":"1h"`; steps 2.. only, ordered and strict modes only): step k's
 *   event happens at most that long after step k − 1's (inclusive), besides the funnel's `window` from the start.
 *   - ordered: existential — a start reaches step k when SOME chain e1 < e2 < … < ek (e1 the start) satisfies
 *     every constraint; following the earliest match is not enough (A@0, B@1m, B@10h, C@10h30m with `C<=1h`
 *     reaches C through B@10h). The attempt's chain, for its times and its step events, is the earliest one
 *     position by position (e2 as early as a chain to the attempt's furthest step allows, then e3, …); without
 *     per-step windows that is the earliest-match chain above, so nothing changes for such funnels.
 *   - strict: the chain is the run of consecutive events from the start, each within its step's window of the
 *     previous one (with optional steps: of the previous taken step's event, which is the previous event).
 * - Exclusions (`exclude=handoff`, `exclude=handoff[reason~price]:2-3`; repeatable, at most 5; the range a-b of
 *   steps, 1 ≤ a < b ≤ number of steps, default the whole funnel; ordered and strict modes only): a chain is
 *   valid only when, for every pair of consecutive steps j, j+1 it reaches with a ≤ j < b, no event of the user
 *   in scope matching the exclusion (its grammar is a step's, without a per-step window) happens strictly
 *   between the two steps' times. So an attempt stops before the step after an excluded event — unless another
 *   chain avoids it (ordered mode is existential with exclusions, as with per-step windows: bs, lead, handoff,
 *   lead, order with `handoff:2-3` reaches order through the second lead). An exclusion event at the same
 *   millisecond as a step is not between. In strict mode any event between two steps already ends the attempt,
 *   so an exclusion never changes a strict answer.
 * - Optional steps (`?subscribed`, JSON `"optional": true`; every mode, at least one step required). Ordered: a chain takes a subsequence of the steps, e1 < … < em matching steps s1 < … < sm, where every step before sm
 *   that it does not take is optional; e1 is the attempt's start (an event of step 1, or of a step after only
 *   optional ones, before `to`). The funnel's window counts from e1; a per-step window and the exclusions
 *   hold between consecutive TAKEN steps: step q's window from the previous taken step p's event, and an
 *   exclusion a-b applies to the pair (p, q) when its range overlaps the steps the gap spans (a < q and p < b).
 *   The attempt's furthest step is sm (an optional step may be it). Of the chains reaching the user's furthest
 *   step, the one reported is the first when compared step by step from step 1: taking the step before skipping
 *   it, then the earlier event (with every step required: the earliest chain position by position from the
 *   earliest start, as above).
 *   - `users` of a step: users whose chosen chain took it. A required step's users are those who reached it or
 *     further; an optional step's only those who took it (not those who skipped it and went on).
 *   - Conversion and drop-off are counted from the nearest earlier REQUIRED step (for an optional step too, so
 *     its conversionFromPrevious is the share of that step's users who took it); for step 1, and for steps
 *     with only optional steps before them, from the users who entered the funnel (every user with a chain).
 *     `conversionFromFirst` is over those who entered. Without optional steps these are exactly the figures
 *     above (those who entered are the users at step 1).
 *   - Times to convert are from e1; the time from the previous step is from the previous taken step's event
 *     (0 for e1's own step). A step's times are over the users who took it.
 *   - An optional first step: the funnel starts at whichever step a user's chain starts at; users who took
 *     step 1 are step 1's users, the others entered at a later step. An optional last step: users who took it
 *     are its users; trends count as converted those who reached the last required step; the drop-off list of
 *     a step is the users counted at the step it is counted from and not at it.
 *   - strict: a chain is a run of CONSECUTIVE events of the user in scope (the strict order above; an event
 *     matching no step, or one that cannot take a next step, ends it) e1, e2, …, em taking steps
 *     s1 < s2 < … < sm, every step before sm that it does not take optional; e1 is an event of step s1, every
 *     step before s1 optional, before `to`. Each later event is the very next event after the previous one,
 *     within `window` of e1, within its step's per-step window of the previous taken step's event (the
 *     previous event), and with hold carries e1's value, which must be present. An event may match several
 *     steps: which one it takes is existential (`lead, ?order, order` and the events lead, order reach order,
 *     skipping ?order). The furthest step, the chain reported (furthest sm; of the chains reaching it the
 *     first step by step: taking the step before skipping it, then the earlier event) and the figures read
 *     as in ordered mode above. Exclusions still change nothing: nothing lies between consecutive events.
 *   - any: from a start (an event of any step, before `to`), each step's first event at or after it within the
 *     window; a missing optional step is skipped and the walk goes on, a missing required one ends it; the
 *     furthest step is the last taken, and the start must match one of the steps before it. A taken step
 *     completes when every taken step up to it has occurred. The user's start is the furthest, then the one
 *     taking step 1 rather than skipping it, then step 2, …, then the earliest. The figures read as above.
 * - hold=<property>: every step after the chain's first carries the first's value of the property, as text
 *   (filters' text: `7` and `"7"` are the same value). Outside strict mode the user's step events are split
 *   by that value — an event without the property alone, so a chain starting at it goes no further (in `any`
 *   mode it may still satisfy several steps itself) — each part chooses its attempt as above, and the user's is
 *   the furthest, then the earliest start, then the smallest completion times step by step (a skipped step
 *   first), then the step:k breakdown values (null first, then the smallest text). Exclusions and strict runs
 *   still see every event of the user. In strict mode each next event of the run must carry the start's value,
 *   which must be present. Events interchangeable for a step:k value are those equal in time and steps matched,
 *   whatever their held value.
 * - A user reaches step k when one of their attempts does; each user counts once, at the furthest step
 *   reached. Times to convert come from the user's earliest attempt that reaches that furthest step: for step k
 *   it is the time from the attempt's start to the event completing step k (in `any` mode: to the moment all of
 *   steps 1..k have occurred). The time from the previous step is, in that same attempt, the completion of step
 *   k minus the completion of step k − 1 (in `any` mode 0 when step k had already occurred by then). Median:
 *   the mean of the two middle values for an even count; mean: rounded to the millisecond.
 * - `bins=n`: for each step k ≥ 2, the times to convert (above) of the users reaching k, in n equal-width
 *   bins from 0 to the longest of them (M ms): bin i covers [i·M/n, (i+1)·M/n) ms, the last one also M; a user
 *   with time x is in bin min(n − 1, floor(x·n / M)). When M is 0 every bin is [0, 0] and the first holds them
 *   all; a step no user reached has no bins. Edges are seconds (ms / 1000, i·M/n computed as (i·M)/n).
 * - Breakdown values are per user: channel; campaign = first-touch `source.campaign` (the user's earliest event
 *   in scope, at any time, that has one); source = first-touch `source.source`; botId = the bot of the user's
 *   earliest event in scope. Ties by (timestamp, event id as text); a user without a value is in the `null` group.
 * - `properties.<name>` (at most 2) takes its value by `breakdownAttribution`:
 *   - first_touch (default): the property's text on the user's earliest event in scope, at any time, that has
 *     the property (an empty text is a value, not null); ties as above;
 *   - step:k (k ≤ number of steps): the text on the event that completed step k in the chosen attempt (ordered,
 *     strict: the attempt's k-th event; any: the first event matching step k at or after the start); null when
 *     the user did not reach k or that event lacks the property. Events equal in time and in the set of steps
 *     they match are interchangeable for the funnel, so among the ones equal to that event the smallest present
 *     text (as UTF-8 bytes) is taken, null only when none has the property.
 *   campaign and source stay first touch whatever the attribution.
 * - Groups: most users who entered first (step 1's users, unless step 1 is optional), then by values (null first, then by text). The first `breakdownLimit`
 *   (default 25, at most 100) are listed; the others are summed into one last group `{values: {}, other: true}`
 *   whose figures are computed over all of their users together (times too, not a mean of medians).
 */

// The lists, limits and the step and window grammars are plain contract/ (the dashboard builds funnels with them).
export {
  DEFAULT_DROPOFF_LIMIT,
  DEFAULT_FUNNEL_WINDOW,
  FUNNEL_BREAKDOWNS,
  FUNNEL_MODES,
  MAX_DROPOFF_LIMIT,
  DEFAULT_FUNNEL_BREAKDOWN_LIMIT,
  MAX_FUNNEL_BINS,
  MAX_FUNNEL_BREAKDOWN_GROUPS,
  MAX_FUNNEL_STEPS,
  MAX_FUNNEL_WINDOW_SECONDS,
  MAX_PROPERTY_BREAKDOWNS,
  MAX_STEP_ALTERNATIVES,
  MAX_STEP_FILTERS,
  MIN_FUNNEL_STEPS,
  PROPERTY_BREAKDOWN_PREFIX,
  isPropertyBreakdown,
  NUMERIC_FILTER_OPS,
  PRESENCE_FILTER_OPS,
  PROPERTY_NUMBER_PATTERN_SOURCE,
  STEP_FILTER_OPS,
  propertyNumber,
} from "@chatfunnel/contract";

export const FunnelModeSchema = z.enum(FUNNEL_MODES);
export type FunnelMode = z.infer<typeof FunnelModeSchema>;

/** A fixed dimension (channel, campaign, source, botId) or `properties.<name>`. */
export const FunnelBreakdownSchema = z.union([
  z.enum(FUNNEL_BREAKDOWNS),
  z.templateLiteral([PROPERTY_BREAKDOWN_PREFIX, z.string().min(1).max(MAX_PROPERTY_NAME_LENGTH)]),
]);
export type FunnelBreakdown = z.infer<typeof FunnelBreakdownSchema>;
export type FixedFunnelBreakdown = (typeof FUNNEL_BREAKDOWNS)[number];

/** first_touch, or the event that completed step k of the chosen attempt. */
export type FunnelBreakdownAttribution = { kind: "first_touch" } | { kind: "step"; step: number };
export const FunnelBreakdownAttributionSchema = z
  .string()
  .regex(new RegExp(FUNNEL_BREAKDOWN_ATTRIBUTION_PATTERN_SOURCE), "must be first_touch or step:k (k a step number)")
  .transform((text): FunnelBreakdownAttribution => (text === "first_touch" ? { kind: "first_touch" } : { kind: "step", step: Number(text.slice(5)) }));

const PropertyKeySchema = z.string().min(1).max(MAX_PROPERTY_NAME_LENGTH);

export const FunnelFilterOpSchema = z.enum(STEP_FILTER_OPS);
export type FunnelFilterOp = z.infer<typeof FunnelFilterOpSchema>;

/** One property filter (the operators' meaning is in the comment at the top). */
export const FunnelFilterSchema = z
  .strictObject({ property: PropertyKeySchema, op: FunnelFilterOpSchema, value: z.string().max(MAX_STEP_FILTER_VALUE_LENGTH) })
  .superRefine((filter, ctx) => {
    if (PRESENCE_FILTER_OPS.includes(filter.op) && filter.value !== "") ctx.addIssue({ code: "custom", path: ["value"], message: `${filter.op} takes no value` });
    if (NUMERIC_FILTER_OPS.includes(filter.op) && propertyNumber(filter.value) === null) ctx.addIssue({ code: "custom", path: ["value"], message: `must be a number for ${filter.op}` });
  });
export type FunnelFilter = z.infer<typeof FunnelFilterSchema>;

/** One alternative of a step: an event type and property filters that must all hold. */
export const FunnelAlternativeSchema = z.strictObject({
  type: EventTypeSchema,
  filters: z.array(FunnelFilterSchema).max(MAX_STEP_FILTERS, `must have at most ${MAX_STEP_FILTERS} filters`),
});
export type FunnelAlternative = z.infer<typeof FunnelAlternativeSchema>;

/** One step: an event matching any of its alternatives (one, unless written `a|b`). The shape of contract's StepText. */
export const FunnelStepSchema = z.strictObject({
  anyOf: z.array(FunnelAlternativeSchema).min(1).max(MAX_STEP_ALTERNATIVES, `must have at most ${MAX_STEP_ALTERNATIVES} alternatives`),
  /** The per-step window: at most this long after the previous step (`30m`, `12h`, `7d`, ≤ 90d). */
  within: z
    .string()
    .regex(FUNNEL_WINDOW_PATTERN, FUNNEL_WINDOW_MESSAGE)
    .refine((text) => funnelWindowSeconds(text)! <= MAX_FUNNEL_WINDOW_SECONDS, `must be at most ${MAX_FUNNEL_WINDOW_SECONDS / 86_400}d`)
    .optional(),
  /** A step the user may skip (`?subscribed`); see the comment at the top. */
  optional: z.literal(true).optional(),
});
export type FunnelStep = z.infer<typeof FunnelStepSchema>;

/**
 * Parses one `steps` value: the syntax (brackets or JSON) is contract/'s parseStepText, the types and the
 * filters' names, values and counts are FunnelStepSchema's.
 */
export function parseFunnelStep(text: string): { step: FunnelStep } | { error: string } {
  const syntax = parseStepText(text);
  if ("error" in syntax) return syntax;
  const step = FunnelStepSchema.safeParse(syntax.step);
  if (!step.success) return { error: step.error.issues.map((issue) => `${issue.path.join(".") || "step"}: ${issue.message}`).join("; ") };
  return { step: step.data };
}

/** A one-alternative step of equality filters: `equalityStep("order", { plan: "pro" })` is `order[plan=pro]`. */
export function equalityStep(type: string, filters: Record<string, string> = {}): FunnelStep {
  return { anyOf: [{ type, filters: Object.entries(filters).map(([property, value]) => ({ property, op: "=", value })) }] };
}

/** The step written back in the `steps` grammar (brackets when they can hold it, else JSON). */
export const funnelStepText = (step: FunnelStep): string => formatStepText(step);

/** A step's per-step window in seconds, or null. */
export const stepWithinSeconds = (step: FunnelStep): number | null => (step.within === undefined ? null : funnelWindowSeconds(step.within));

/** The answer's `type`: the alternatives' types joined by `|`. */
export const funnelStepTypes = (step: FunnelStep): string => step.anyOf.map((alternative) => alternative.type).join("|");

/**
 * The answer's `filters`: the equality filters of a one-alternative step, as older clients read them; the
 * other operators and any-of steps show only in `text`.
 */
export function funnelStepEqualityFilters(step: FunnelStep): Record<string, string> {
  if (step.anyOf.length !== 1) return {};
  return Object.fromEntries(step.anyOf[0]!.filters.filter((f) => f.op === "=").map((f) => [f.property, f.value]));
}

/** `30m`, `12h`, `7d` → seconds. */
export const FunnelWindowSchema = z
  .string()
  .regex(FUNNEL_WINDOW_PATTERN, FUNNEL_WINDOW_MESSAGE)
  .transform((text) => funnelWindowSeconds(text)!)
  .refine((seconds) => seconds <= MAX_FUNNEL_WINDOW_SECONDS, `must be at most ${MAX_FUNNEL_WINDOW_SECONDS / 86_400}d`);

const asList = (value: unknown) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]);

/** One exclusion: events matching `step` between steps `fromStep` and `toStep` (1-based; toStep 0 = the last step). */
export interface FunnelExclusion {
  step: FunnelStep;
  fromStep: number;
  toStep: number;
}
export const MAX_FUNNEL_EXCLUSIONS = 5;
const EXCLUSION_RANGE = /:([1-9][0-9]?)-([1-9][0-9]?)$/;

/** `handoff`, `handoff:2-3`, `message_received[text~stop]|handoff:1-2`: a step's grammar and an optional range. */
export function parseFunnelExclusion(text: string): { exclusion: FunnelExclusion } | { error: string } {
  // The range is after the last bracket: a value may hold `:1-2`.
  const range = EXCLUSION_RANGE.exec(text.slice(Math.max(0, text.lastIndexOf("]"))));
  const stepText = range ? text.slice(0, text.length - range[0].length) : text;
  const parsed = parseFunnelStep(stepText);
  if ("error" in parsed) return parsed;
  if (parsed.step.within !== undefined) return { error: "an exclusion has no per-step window" };
  if (parsed.step.optional) return { error: "an exclusion cannot be optional" };
  const fromStep = range ? Number(range[1]) : 1;
  const toStep = range ? Number(range[2]) : 0;
  if (range && fromStep >= toStep) return { error: `the range ${fromStep}-${toStep} must go from an earlier step to a later one` };
  return { exclusion: { step: parsed.step, fromStep, toStep } };
}

const ExcludeParamSchema = z.preprocess(
  asList,
  z
    .array(z.string())
    .max(MAX_FUNNEL_EXCLUSIONS, `must list at most ${MAX_FUNNEL_EXCLUSIONS} exclusions`)
    .transform((texts, ctx) => {
      const exclusions: FunnelExclusion[] = [];
      texts.forEach((text, index) => {
        const parsed = parseFunnelExclusion(text);
        if ("error" in parsed) ctx.addIssue({ code: "custom", path: [index], message: `exclude[${index}] ${JSON.stringify(text)}: ${parsed.error}` });
        else exclusions.push(parsed.exclusion);
      });
      return exclusions;
    })
    .optional(),
).meta({
  type: "array",
  items: { type: "string", examples: ["handoff", "handoff:2-3", "message_received[text~stop]:1-2"] },
  description: "Repeated: an event (a step's grammar) that must not happen between consecutive steps of the range a-b (default the whole funnel); ordered and strict modes",
});


const StepsParamSchema = z
  .preprocess(
    asList,
    z
      .array(z.string(), { error: "is required: repeat steps=<event type>[property=value] 2 to 20 times" })
      .min(MIN_FUNNEL_STEPS, `must list at least ${MIN_FUNNEL_STEPS} steps`)
      .max(MAX_FUNNEL_STEPS, `must list at most ${MAX_FUNNEL_STEPS} steps`)
      .transform((texts, ctx) => {
        const steps: FunnelStep[] = [];
        texts.forEach((text, index) => {
          const parsed = parseFunnelStep(text);
          // The position in the message too: the 400's text names `steps[2]`, not only its details' path.
          if ("error" in parsed) ctx.addIssue({ code: "custom", path: [index], message: `steps[${index}] ${JSON.stringify(text)}: ${parsed.error}` });
          else if (index === 0 && parsed.step.within !== undefined) {
            ctx.addIssue({ code: "custom", path: [index], message: `steps[0] ${JSON.stringify(text)}: the first step has no previous step to be within ${parsed.step.within} of` });
          } else steps.push(parsed.step);
        });
        if (steps.length === texts.length && steps.every((step) => step.optional)) {
          ctx.addIssue({ code: "custom", path: [], message: "every step is optional: at least one step must be required (written without ?)" });
        }
        return steps;
      }),
  )
  // OpenAPI documents parameters as parsed; the parsed steps are objects, but the wire form is what callers type.
  .meta({
    type: "array",
    items: {
      type: "string",
      examples: [
        "bot_started",
        "button_clicked[plan=pro]",
        "order[amount>=100][plan!=trial]",
        "message_received[text~цена]",
        "lead[utm?]",
        "lead|order",
        '{"type":"order","filters":{"items":2}}',
        '{"type":"order","filters":[{"property":"amount","op":">","value":"100"}]}',
        '{"anyOf":[{"type":"lead"},{"type":"order","filters":{"plan":"pro"}}]}',
        "?subscribed",
        '{"type":"subscribed","optional":true}',
      ],
    },
    minItems: MIN_FUNNEL_STEPS,
    maxItems: MAX_FUNNEL_STEPS,
    description:
      "Repeated, in order: an event type with optional filters [p=v], [p!=v] (absent counts as not equal), [p>v] [p>=v] [p<v] [p<=v] (numeric; a non-numeric or absent value never matches), [p~v] (contains, case-insensitive), [p?] (set), [p!?] (not set); alternatives joined by | (lead|order); a leading ? makes the step optional (?subscribed: a user may skip it; at least one step must be required); a trailing <=1h is a per-step window (from step 2); or a JSON step object (\"optional\": true, \"within\": \"1h\"). Property names are kept as given (__proto__ or constructor included): a filter is never dropped",
  });

const BreakdownParamSchema = z.preprocess(
  asList,
  z
    .array(FunnelBreakdownSchema, { error: `must be channel, campaign, source, botId or properties.<name>` })
    .refine((list) => new Set(list).size === list.length, "must not repeat a dimension")
    .refine((list) => list.filter(isPropertyBreakdown).length <= MAX_PROPERTY_BREAKDOWNS, `must have at most ${MAX_PROPERTY_BREAKDOWNS} properties.<name> dimensions`)
    .optional(),
);

/** GET /api/v1/funnel: the common filters plus the funnel definition. */
export const FunnelQuerySchema = CommonQuerySchema.extend({
  steps: StepsParamSchema,
  // prefault: the default text goes through the same parsing, so `window` is always seconds.
  window: FunnelWindowSchema.prefault(DEFAULT_FUNNEL_WINDOW).meta({
    type: "string",
    pattern: FUNNEL_WINDOW_PATTERN_SOURCE,
    default: DEFAULT_FUNNEL_WINDOW,
    description: "Conversion window: 30m, 12h, 7d … at most 90d; later steps happen at most this long after the first",
  }),
  mode: FunnelModeSchema.default("ordered"),
  breakdown: BreakdownParamSchema,
  breakdownAttribution: FunnelBreakdownAttributionSchema.prefault("first_touch").meta({
    type: "string",
    pattern: FUNNEL_BREAKDOWN_ATTRIBUTION_PATTERN_SOURCE,
    default: "first_touch",
    description: "Where a properties.<name> breakdown's value comes from: first_touch (the user's earliest event in scope with the property) or step:k (the event that completed step k of the chosen attempt; null when the user did not reach k)",
  }),
  breakdownLimit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_FUNNEL_BREAKDOWN_GROUPS)
    .default(DEFAULT_FUNNEL_BREAKDOWN_LIMIT)
    .meta({ description: `Groups shown (most users who entered first); the rest are summed into one group with other: true. Default ${DEFAULT_FUNNEL_BREAKDOWN_LIMIT}, at most ${MAX_FUNNEL_BREAKDOWN_GROUPS}` }),
  exclude: ExcludeParamSchema,
  hold: z
    .string()
    .min(1)
    .max(MAX_PROPERTY_NAME_LENGTH)
    .optional()
    .meta({
      description:
        "Hold a property constant (hold=orderId): every step after the attempt's first carries the first step's value of this property (as text); a first step without it reaches no further. A step that can never carry it (every alternative filters it [p!?]) is a 400 naming hold and the step",
    }),
  bins: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_FUNNEL_BINS)
    .optional()
    .meta({ description: `1..${MAX_FUNNEL_BINS}: adds timeToConvertBins, per step from the second, a histogram of the time from the first step (equal-width bins from 0 to the longest); /funnel/dropoff ignores it` }),
});
export type FunnelQuery = z.infer<typeof FunnelQuerySchema>;

/** GET /api/v1/funnel/dropoff: the funnel's parameters plus which step's losers to list. */
export const FunnelDropoffQuerySchema = FunnelQuerySchema.extend({
  /** Users who reached step `step - 1` and not step `step` (2 ≤ step ≤ number of steps). */
  step: z.coerce.number().int().min(2),
  format: z.enum(["json", "csv"]).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_DROPOFF_LIMIT).default(DEFAULT_DROPOFF_LIMIT),
  offset: z.coerce.number().int().min(0).default(0),
});
export type FunnelDropoffQuery = z.infer<typeof FunnelDropoffQuerySchema>;

export const FunnelStepResultSchema = z.object({
  /** 1-based. */
  index: z.number().int().min(1),
  /** The step in the `steps` grammar, exactly as it is matched (contract's formatStepText: it parses back). */
  text: z.string(),
  /** The alternatives' event types joined by `|`. */
  type: z.string(),
  /** The equality filters of a one-alternative step (older clients read these); the whole step is `text`. */
  filters: z.record(z.string(), z.string()),
  /** Users whose furthest step is this one or later; for an optional step, only those whose chain took it. */
  users: z.number().int().nonnegative().meta({ description: "Users whose chosen chain took this step: for a required step those who reached it or further; for an optional step (?x) only those who took it" }),
  conversionFromFirst: RateSchema.meta({ description: "users / the users who entered the funnel (those at step 1 unless step 1 is optional)" }),
  conversionFromPrevious: RateSchema.meta({ description: "users / the users of the nearest earlier required step (of those who entered, when no required step comes before)" }),
  /** Users who reached the previous step and not this one (0 for step 1). */
  dropOff: z.number().int().nonnegative().meta({ description: "Users of the nearest earlier required step (or who entered) not counted at this step" }),
  dropOffRate: RateSchema,
  /** From the start of the attempt to this step, over users reaching it; null for step 1 or no users. Seconds, ms precision. */
  medianSecondsToConvert: z.number().nonnegative().nullable(),
  meanSecondsToConvert: z.number().nonnegative().nullable(),
  /** From the previous step's completion to this one's, in the same attempt as the times to convert; null for step 1 or no users. */
  medianSecondsFromPrevious: z.number().nonnegative().nullable(),
  meanSecondsFromPrevious: z.number().nonnegative().nullable(),
});
export type FunnelStepResult = z.infer<typeof FunnelStepResultSchema>;

/** The value of each requested dimension for one group; null when the user has none (e.g. organic: no campaign). */
/** One bin of a time-to-convert histogram: users whose time from the first step is in [fromSeconds, toSeconds) (the last bin includes toSeconds). */
export const FunnelBinSchema = z.object({
  fromSeconds: z.number().nonnegative(),
  toSeconds: z.number().nonnegative(),
  users: z.number().int().nonnegative(),
});
export type FunnelBin = z.infer<typeof FunnelBinSchema>;

export const FunnelStepBinsSchema = z.object({
  /** 1-based step index, from 2. */
  step: z.number().int().min(2),
  /** `bins` bins, or none when no user reached the step. */
  bins: z.array(FunnelBinSchema),
});
export type FunnelStepBins = z.infer<typeof FunnelStepBinsSchema>;

/** Keyed by dimension as asked (`channel`, `properties.plan`); empty for the `other` group. */
export const FunnelBreakdownValuesSchema = z
  .object({
    channel: ChannelSchema.nullable().optional(),
    campaign: z.string().nullable().optional(),
    source: z.string().nullable().optional(),
    botId: z.string().nullable().optional(),
  })
  .catchall(z.string().nullable());
export type FunnelBreakdownValues = z.infer<typeof FunnelBreakdownValuesSchema>;

export const FunnelBreakdownGroupSchema = z.object({
  values: FunnelBreakdownValuesSchema,
  steps: z.array(FunnelStepResultSchema),
  /** The groups past `breakdownLimit`, summed (their users together; times over all of them). Last. */
  other: z.literal(true).optional(),
});
export type FunnelBreakdownGroup = z.infer<typeof FunnelBreakdownGroupSchema>;

export const FunnelResponseSchema = z.object({
  range: z.object({ from: z.string(), to: z.string(), tz: z.string() }),
  mode: FunnelModeSchema,
  windowSeconds: z.number().int().positive(),
  steps: z.array(FunnelStepResultSchema),
  /** The dimensions asked for, in order; empty without breakdown. */
  breakdown: z.array(FunnelBreakdownSchema),
  /** One funnel per combination of values, most users who entered first, then by values; at most breakdownLimit, then the `other` group. */
  breakdowns: z.array(FunnelBreakdownGroupSchema),
  /** True when there were more groups than breakdownLimit (the last group is then `other`). */
  breakdownsTruncated: z.boolean(),
  /** With `bins`: per step from the second, over all users (not per breakdown group). */
  timeToConvertBins: z.array(FunnelStepBinsSchema).optional(),
});
export type FunnelResponse = z.infer<typeof FunnelResponseSchema>;

export const FunnelDropoffUserSchema = z.object({
  channel: ChannelSchema,
  userId: z.string(),
  /** When the user reached step − 1 (the event completing it, in their earliest furthest attempt). ISO UTC. */
  reachedAt: z.string(),
});
export type FunnelDropoffUser = z.infer<typeof FunnelDropoffUserSchema>;

export const FunnelDropoffResponseSchema = z.object({
  step: z.number().int().min(2),
  /** Users who reached step − 1 and not step, in all; `users` is one page of them ordered by (channel, userId). */
  total: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  offset: z.number().int().nonnegative(),
  users: z.array(FunnelDropoffUserSchema),
});
export type FunnelDropoffResponse = z.infer<typeof FunnelDropoffResponseSchema>;
