/**
 * Hand-computed funnel cases: each states events, a definition and the answer worked out by hand from the
 * definitions in schemas/src/api/funnel.ts. The unit test checks the reference against them, the integration
 * test checks the endpoint against them, so neither can drift from the written semantics unnoticed.
 */
import { equalityStep, parseFunnelExclusion, parseFunnelStep, type Event, type FunnelExclusion, type FunnelMode, type FunnelStep } from "@chatfunnel/schemas";

export const T0 = Date.UTC(2026, 4, 12, 9, 0);
const MIN = 60_000;

let counter = 0;
/** An event `minutes` (fractions allowed: ms precision) after T0. */
export function ev(userId: string, type: string, minutes: number, extra: Partial<Event> = {}): Event {
  counter++;
  return {
    id: `00000000-0000-4000-8000-${counter.toString(16).padStart(12, "0")}`,
    type,
    channel: "telegram",
    botId: "bot-a",
    userId,
    timestamp: new Date(T0 + Math.round(minutes * MIN)).toISOString(),
    ...extra,
  };
}

const step = (type: string, filters: Record<string, string> = {}): FunnelStep => equalityStep(type, filters);

export interface FunnelExample {
  name: string;
  events: Event[];
  steps: FunnelStep[];
  mode: FunnelMode;
  windowMinutes: number;
  /** Range in minutes from T0. */
  range: [number, number];
  /** Users per step. */
  users: number[];
  /** Median and mean seconds to convert per step (null for step 1). */
  median?: (number | null)[];
  mean?: (number | null)[];
  /** `exclude` values, as the API takes them. */
  exclude?: string[];
  /** Median and mean seconds from the previous step per step (null for step 1). */
  medianFromPrevious?: (number | null)[];
  meanFromPrevious?: (number | null)[];
}

const ABC = [step("bot_started"), step("lead"), step("order")];

/** `exclude` texts as the API resolves them: the range's end defaults to the last step. */
export function exampleExclusions(texts: string[], steps: number): FunnelExclusion[] {
  return texts.map((text) => {
    const result = parseFunnelExclusion(text);
    if ("error" in result) throw new Error(`${text}: ${result.error}`);
    return { ...result.exclusion, toStep: result.exclusion.toStep === 0 ? steps : result.exclusion.toStep };
  });
}

/** A step in the `steps` grammar, for the operators and any-of steps. */
function parsed(text: string): FunnelStep {
  const result = parseFunnelStep(text);
  if ("error" in result) throw new Error(`${text}: ${result.error}`);
  return result.step;
}

/** Users who each start at minute 0 and have one `type` event at minute 1 with these properties. */
const oneEach = (type: string, propertiesByUser: Array<Event["properties"] | undefined>): Event[] =>
  propertiesByUser.flatMap((properties, index) => [ev(`u${index}`, "bot_started", 0), ev(`u${index}`, type, 1, properties === undefined ? {} : { properties })]);

export const FUNNEL_EXAMPLES: FunnelExample[] = [
  {
    name: "ordered: order matters, other events between are fine",
    events: [ev("a", "bot_started", 0), ev("a", "message_sent", 1), ev("a", "lead", 2), ev("a", "order", 3), ev("b", "bot_started", 0), ev("b", "order", 1), ev("b", "lead", 2)],
    steps: ABC,
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 60],
    users: [2, 2, 1],
    median: [null, 120, 180],
    mean: [null, 120, 180],
    medianFromPrevious: [null, 120, 60],
    meanFromPrevious: [null, 120, 60],
  },
  {
    name: "window is inclusive to the millisecond",
    events: [ev("a", "bot_started", 0), ev("a", "lead", 60), ev("b", "bot_started", 0), ev("b", "lead", 60 + 1 / MIN)],
    steps: [step("bot_started"), step("lead")],
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 10],
    users: [2, 1],
    median: [null, 3600],
  },
  {
    name: "step 1 must fall in [from, to); later steps may come after to",
    events: [ev("a", "bot_started", -1), ev("a", "lead", 1), ev("b", "bot_started", 9), ev("b", "lead", 15), ev("c", "bot_started", 10), ev("c", "lead", 11)],
    steps: [step("bot_started"), step("lead")],
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 10],
    users: [1, 1],
    median: [null, 360],
  },
  {
    name: "a later attempt can go further; times come from the earliest attempt reaching the furthest step",
    events: [ev("a", "bot_started", 0), ev("a", "bot_started", 100), ev("a", "lead", 110), ev("a", "bot_started", 200), ev("a", "lead", 205)],
    steps: [step("bot_started"), step("lead")],
    mode: "ordered",
    windowMinutes: 30,
    range: [0, 300],
    users: [1, 1],
    median: [null, 600],
  },
  {
    name: "repeated step types need distinct events",
    events: [ev("a", "message_received", 0), ev("b", "message_received", 0), ev("b", "message_received", 0)],
    steps: [step("message_received"), step("message_received")],
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 60],
    users: [2, 1],
    median: [null, 0],
  },
  {
    name: "equal timestamps: ties go to the earlier step",
    events: [ev("a", "order", 5), ev("a", "lead", 5), ev("a", "bot_started", 5)],
    steps: ABC,
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 60],
    users: [1, 1, 1],
    median: [null, 0, 0],
  },
  {
    name: "filters need the property with exactly that text",
    events: [
      ev("a", "bot_started", 0),
      ev("a", "order", 1, { properties: { plan: "pro" } }),
      ev("b", "bot_started", 0),
      ev("b", "order", 1, { properties: { plan: "basic" } }),
      ev("c", "bot_started", 0),
      ev("c", "order", 1),
      ev("d", "bot_started", 0),
      ev("d", "order", 2, { properties: { items: 2 } }),
    ],
    steps: [step("bot_started"), step("order", { plan: "pro" })],
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 60],
    users: [4, 1],
  },
  {
    name: "strict: any event between two steps ends the attempt",
    events: [
      ev("a", "bot_started", 0),
      ev("a", "lead", 1),
      ev("a", "order", 2),
      ev("b", "bot_started", 0),
      ev("b", "message_sent", 1),
      ev("b", "lead", 2),
      ev("c", "bot_started", 0),
      ev("c", "lead", 1),
      ev("c", "lead", 2),
      ev("c", "order", 3),
    ],
    steps: ABC,
    mode: "strict",
    windowMinutes: 60,
    range: [0, 60],
    users: [3, 2, 1],
    median: [null, 60, 120],
    mean: [null, 60, 120],
  },
  {
    name: "strict with an optional step: a run may skip it; an event matching two steps takes whichever goes further",
    events: [
      // x5: its order can be ?order (then nothing follows) or order: it reaches order, skipping ?order.
      ev("x5", "lead", 0),
      ev("x5", "order", 1),
      // x6: order@1 as ?order and order@2 as order beats order@1 as order: taking a step before skipping it.
      ev("x6", "lead", 0),
      ev("x6", "order", 1),
      ev("x6", "order", 2),
      // x7: the message_sent ends the run at lead.
      ev("x7", "lead", 0),
      ev("x7", "message_sent", 1),
      ev("x7", "order", 2),
      // x8: order@1 as order reaches the last step; the message_sent after it no longer matters.
      ev("x8", "lead", 0),
      ev("x8", "order", 1),
      ev("x8", "message_sent", 2),
      ev("x8", "order", 3),
    ],
    steps: [step("lead"), parsed("?order"), step("order")],
    mode: "strict",
    windowMinutes: 60,
    range: [0, 60],
    users: [4, 1, 3],
    // ?order: x6 at 1 min; order: x5 1, x6 2, x8 1 min from the start, each 1 min after the previous taken step.
    median: [null, 60, 60],
    mean: [null, 60, 80],
    medianFromPrevious: [null, 60, 60],
    meanFromPrevious: [null, 60, 60],
  },
  {
    name: "any order: steps in any order within the window of the first",
    events: [
      ev("a", "order", 0),
      ev("a", "lead", 10),
      ev("a", "bot_started", 20),
      ev("b", "lead", 0),
      ev("b", "bot_started", 5),
      ev("c", "lead", 0),
      ev("c", "order", 5),
      ev("d", "order", 0),
      ev("d", "lead", 30),
      ev("d", "bot_started", 61),
    ],
    steps: ABC,
    mode: "any",
    windowMinutes: 60,
    range: [0, 60],
    // a: all three by minute 20; b: lead then bot_started; c: no bot_started; d: from order, bot_started comes
    // 61 min later (outside), but from lead at 30 it is inside: d reaches 2, times from minute 30.
    users: [3, 3, 1],
    median: [null, 1200, 1200],
    mean: [null, 1120, 1200],
    // Step 2 had always occurred by the time step 1 did: 0 from the previous step.
    medianFromPrevious: [null, 0, 0],
    meanFromPrevious: [null, 0, 0],
  },
  {
    name: "numeric comparisons read the text as a number; not a number or absent never matches",
    // 150 and "100" match >= 100; "abc", absent, "1e400" (beyond a double), "", true and " 100" do not; 99.5 does not.
    events: oneEach("order", [{ amount: 150 }, { amount: "100" }, { amount: "abc" }, undefined, { amount: "1e400" }, { amount: "" }, { amount: true }, { amount: " 100" }, { amount: 99.5 }]),
    steps: [step("bot_started"), parsed("order[amount>=100]")],
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 60],
    users: [9, 2],
  },
  {
    name: "the other direction: < 1e2 matches 99.5 and -5, still not the non-numbers",
    events: oneEach("order", [{ amount: 150 }, { amount: "100" }, { amount: "abc" }, undefined, { amount: "-1e400" }, { amount: -5 }, { amount: null }, { amount: 99.5 }]),
    steps: [step("bot_started"), parsed('{"type":"order","filters":[{"property":"amount","op":"<","value":1e2}]}')],
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 60],
    users: [8, 2],
  },
  {
    name: "!= matches a different value and an absent property, not the value itself",
    events: oneEach("order", [{ plan: "pro" }, { plan: "basic" }, undefined, { plan: "" }, { plan: "Pro" }]),
    steps: [step("bot_started"), parsed("order[plan!=pro]")],
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 60],
    users: [5, 4],
  },
  {
    name: "~ is contains, case-insensitive in any script; a look-alike letter is another letter",
    // "Какая ЦЕНА?" and "Цена" match; "ценник" does not contain "цена"; "ЦЕHA" has a Latin H.
    events: oneEach("message_received", [{ text: "Какая ЦЕНА?" }, { text: "ценник" }, { text: "price" }, undefined, { text: "ЦЕHA" }, { text: "Цена" }]),
    steps: [step("bot_started"), parsed("message_received[text~цЕна]")],
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 60],
    users: [6, 2],
  },
  {
    name: "? is set (an empty value is set), !? is not set",
    events: oneEach("lead", [{ utm: "" }, { utm: "ads" }, undefined, { other: "x" }]),
    steps: [step("bot_started"), parsed("lead[utm?]")],
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 60],
    users: [4, 2],
  },
  {
    name: "!? holds without the property",
    events: oneEach("lead", [{ utm: "" }, { utm: "ads" }, undefined, { other: "x" }]),
    steps: [step("bot_started"), parsed("lead[utm!?]")],
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 60],
    users: [4, 2],
  },
  {
    name: "any-of: an event matches the step when it matches any alternative; ordered still needs distinct events",
    events: [
      ev("a", "bot_started", 0),
      ev("a", "order", 1),
      ev("a", "order", 2),
      ev("b", "bot_started", 0),
      ev("b", "order", 1),
      ev("c", "bot_started", 0),
      ev("c", "lead", 1, { properties: { amount: 500 } }),
      ev("c", "order", 3),
      ev("d", "bot_started", 0),
      ev("d", "lead", 1, { properties: { amount: 5 } }),
      ev("d", "order", 4),
    ],
    steps: [step("bot_started"), parsed("lead[amount>100]|order"), step("order")],
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 60],
    // d's lead does not match (amount 5), so its order at 4 is step 2 and nothing is left for step 3.
    users: [4, 4, 2],
    median: [null, 60, 150],
    mean: [null, 105, 150],
    // a: 1 → 2 min, c: 1 → 3 min.
    medianFromPrevious: [null, 60, 90],
    meanFromPrevious: [null, 105, 90],
  },
  {
    name: "any-of in any order: one event may satisfy both steps it matches",
    events: [ev("a", "bot_started", 0), ev("a", "order", 1), ev("b", "bot_started", 0), ev("b", "lead", 2), ev("c", "bot_started", 0)],
    steps: [step("bot_started"), parsed("lead|order"), step("order")],
    mode: "any",
    windowMinutes: 60,
    range: [0, 60],
    users: [3, 2, 1],
    median: [null, 90, 60],
  },
  {
    name: "per-step window, existential: a later step-2 event can be the one within reach of step 3",
    // a: greedy would take B@1m and miss C (10h29m after it); B@10h leads to C@10h30m within 1h.
    // b: C within 1h of a B only from a B more than the funnel's 12h after the start: stops at B.
    events: [
      ev("a", "bot_started", 0),
      ev("a", "lead", 1),
      ev("a", "lead", 600),
      ev("a", "order", 630),
      ev("b", "bot_started", 0),
      ev("b", "lead", 1),
      ev("b", "lead", 800),
      ev("b", "order", 830),
    ],
    steps: [step("bot_started"), step("lead"), parsed("order<=1h")],
    mode: "ordered",
    windowMinutes: 12 * 60,
    range: [0, 60],
    users: [2, 2, 1],
    // Times from a's earliest chain position by position that reaches order: lead@600, order@630; b's lead@1.
    median: [null, (60 + 36_000) / 2, 37_800],
    medianFromPrevious: [null, (60 + 36_000) / 2, 1800],
  },
  {
    name: "per-step window: exactly at the window counts, 1 ms past does not; strict checks the same",
    events: [ev("a", "bot_started", 0), ev("a", "lead", 30), ev("b", "bot_started", 0), ev("b", "lead", 30 + 1 / MIN), ev("c", "bot_started", 0), ev("c", "message_sent", 1), ev("c", "lead", 2)],
    steps: [step("bot_started"), parsed("lead<=30m")],
    mode: "strict",
    windowMinutes: 60,
    range: [0, 60],
    users: [3, 1],
    median: [null, 1800],
  },
  {
    name: "exclusions: an excluded event strictly between two steps of the range breaks that pair; another chain may avoid it",
    events: [
      // a: the handoff sits between lead@1 and order@4, not between lead@3 and order@4: order through lead@3.
      ev("a", "bot_started", 0),
      ev("a", "lead", 1),
      ev("a", "handoff", 2),
      ev("a", "lead", 3),
      ev("a", "order", 4),
      // b: no lead after the handoff: stops at lead.
      ev("b", "bot_started", 0),
      ev("b", "lead", 1),
      ev("b", "handoff", 2),
      ev("b", "order", 3),
      // c: the handoff is between steps 1 and 2, outside the range 2-3.
      ev("c", "bot_started", 0),
      ev("c", "handoff", 0.5),
      ev("c", "lead", 1),
      ev("c", "order", 2),
      // d: the handoff at the lead's very millisecond is not between.
      ev("d", "bot_started", 0),
      ev("d", "lead", 1),
      ev("d", "handoff", 1),
      ev("d", "order", 2),
      // e: lead, handoff and order in one millisecond: nothing is strictly between the lead and the order
      // (an excluded event counted "at or before" the lead but not "before" the order once broke this pair).
      ev("e", "bot_started", 0),
      ev("e", "lead", 1),
      ev("e", "handoff", 1),
      ev("e", "order", 1),
    ],
    steps: ABC,
    exclude: ["handoff:2-3"],
    mode: "ordered",
    windowMinutes: 60,
    range: [0, 60],
    users: [5, 5, 4],
    median: [null, 60, 120],
    mean: [null, 84, 135],
  },
];
