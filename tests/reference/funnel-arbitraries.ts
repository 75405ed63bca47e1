/**
 * fast-check arbitraries for funnel property tests: streams built so that funnels convert often and hit
 * the edge cases — equal timestamps, steps exactly at and 1 ms past the window, resends, repeated step
 * types, property filters of every operator (numbers as numbers and as text, non-numbers, absent values,
 * mixed-case Cyrillic, Greek and Turkish text), any-of steps overlapping other steps, users on several
 * channels and bots.
 */
import fc from "fast-check";
import {
  FUNNEL_BREAKDOWNS,
  FUNNEL_MODES,
  funnelStepText,
  type Channel,
  type Event,
  type FunnelAlternative,
  type FunnelBreakdown,
  type FunnelFilter,
  type FunnelMode,
  type FunnelStep,
} from "@chatfunnel/schemas";

export const BASE_MS = Date.UTC(2026, 4, 12, 9, 0);
export const MINUTE = 60_000;
const WINDOWS = [
  { text: "30m", ms: 30 * MINUTE },
  { text: "1h", ms: 60 * MINUTE },
  { text: "2h", ms: 120 * MINUTE },
] as const;
const TYPES = ["bot_started", "message_received", "button_clicked", "lead", "order", "message_sent"] as const;
/** Funnels are built from few types so they convert often; the other types interrupt strict funnels. */
const STEP_TYPES = ["bot_started", "message_received", "lead", "order"] as const;
const CHANNELS: Channel[] = ["telegram", "whatsapp", "vk"];
const BOTS = ["bot-a", "bot-b"] as const;
const CAMPAIGNS = ["spring", "autumn"] as const;
const SOURCES = ["ads", "blog"] as const;

/** Offsets on a 10-minute grid so ties and exact window distances are common; some ±1 ms off the grid. */
const offsetArb = fc.tuple(fc.integer({ min: -3, max: 12 }), fc.constantFrom(0, 0, 0, 0, 1, -1));

const eventArb = (user: number, mainChannel: Channel) =>
  fc
    .record({
      id: fc.uuid({ version: 4 }),
      type: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...STEP_TYPES) }, { weight: 1, arbitrary: fc.constantFrom(...TYPES) }),
      // Mostly the user's own channel: the same userId on another channel is another user.
      channel: fc.oneof({ weight: 5, arbitrary: fc.constant(mainChannel) }, { weight: 1, arbitrary: fc.constantFrom(...CHANNELS) }),
      botId: fc.constantFrom(...BOTS),
      offset: offsetArb,
      plan: fc.constantFrom<"pro" | "basic" | 1 | undefined>("pro", "basic", 1, undefined),
      // Numbers as JSON numbers and as text, at and around the filters' thresholds, and texts that are not numbers.
      amount: fc.constantFrom<string | number | boolean | null | undefined>(undefined, undefined, 100, 99.5, 150, "100", "1e2", "+100", "-5", " 100", "abc", "", true, null, "1e400", 0),
      utm: fc.constantFrom<string | undefined>(undefined, undefined, "ads", ""),
      // The property hold=oid holds constant: few values (a number and its text differ from nothing), often absent.
      oid: fc.constantFrom<string | number | undefined>(undefined, "A", "A", "B", 7, "7"),
      text: fc.constantFrom<string | undefined>(undefined, undefined, "Цена?", "какая ЦЕНА", "цена", "price", "PRICE list", "ОДОΣ", "İstanbul", ""),
      campaign: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...CAMPAIGNS) }),
      source: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...SOURCES) }),
    })
    .map((r): Event => {
      const event: Event = {
        id: r.id,
        type: r.type,
        channel: r.channel,
        botId: r.botId,
        userId: `u${user}`,
        timestamp: new Date(BASE_MS + r.offset[0] * 10 * MINUTE + r.offset[1]).toISOString(),
      };
      const properties: NonNullable<Event["properties"]> = {};
      if (r.plan !== undefined) properties.plan = r.plan;
      if (r.amount !== undefined) properties.amount = r.amount;
      if (r.text !== undefined) properties.text = r.text;
      if (r.utm !== undefined) properties.utm = r.utm;
      if (r.oid !== undefined) properties.oid = r.oid;
      if (Object.keys(properties).length > 0) event.properties = properties;
      if (r.campaign || r.source) event.source = { ...(r.campaign ? { campaign: r.campaign } : {}), ...(r.source ? { source: r.source } : {}) };
      return event;
    });

const userEventsArb = (user: number) =>
  fc.constantFrom(...CHANNELS).chain((channel) => fc.array(eventArb(user, channel), { minLength: 3, maxLength: 16, size: "max" }));

/**
 * Generated uuids repeat (fast-check favours small values); distinct events must have distinct ids, so a
 * repeat is replaced by an id made from the event's position. Only the resends below share ids.
 */
function withUniqueIds(events: Event[]): Event[] {
  const seen = new Set<string>();
  return events.map((event, index) => {
    const id = seen.has(event.id) ? `ffffffff-ffff-4fff-bfff-${index.toString(16).padStart(12, "0")}` : event.id;
    seen.add(id);
    return { ...event, id };
  });
}

/** A few users' events plus exact resends of some of them. */
const streamArb = fc
  .integer({ min: 1, max: 5 })
  .chain((users) => fc.tuple(...Array.from({ length: users }, (_, index) => userEventsArb(index + 1))).map((lists) => withUniqueIds(lists.flat())))
  .chain((events) => fc.subarray(events, { maxLength: Math.min(6, events.length) }).map((resent) => [...events, ...resent.map((event) => ({ ...event }))]));

/** A filter that applies in one scenario out of eight, so most scenarios keep their users. */
const rarely = <T>(arb: fc.Arbitrary<T>) => fc.noBias(fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb }));

/** Filters of every operator, on values the events carry, mostly none so funnels still convert. */
const filterArb: fc.Arbitrary<FunnelFilter> = fc.constantFrom<FunnelFilter>(
  { property: "plan", op: "=", value: "pro" },
  { property: "plan", op: "=", value: "1" },
  { property: "plan", op: "!=", value: "pro" },
  { property: "amount", op: ">", value: "100" },
  { property: "amount", op: ">=", value: "100" },
  { property: "amount", op: "<", value: "100" },
  { property: "amount", op: "<=", value: "1e2" },
  { property: "amount", op: ">", value: "-10" },
  { property: "text", op: "~", value: "цена" },
  { property: "text", op: "~", value: "Price" },
  { property: "text", op: "~", value: "σ" },
  { property: "text", op: "~", value: "i̇" },
  { property: "utm", op: "?", value: "" },
  { property: "amount", op: "?", value: "" },
  { property: "text", op: "!?", value: "" },
  { property: "utm", op: "!?", value: "" },
  { property: "utm", op: "!=", value: "" },
);

const alternativeArb: fc.Arbitrary<FunnelAlternative> = fc.record({
  type: fc.constantFrom(...STEP_TYPES),
  filters: fc.oneof({ weight: 4, arbitrary: fc.constant<FunnelFilter[]>([]) }, { weight: 2, arbitrary: fc.uniqueArray(filterArb, { minLength: 1, maxLength: 2, selector: (f) => `${f.op}${f.property}` }) }),
});

/** Mostly one alternative; sometimes two or three, which may overlap each other and other steps. */
const stepArb: fc.Arbitrary<FunnelStep> = fc.record({
  anyOf: fc.oneof({ weight: 4, arbitrary: fc.array(alternativeArb, { minLength: 1, maxLength: 1 }) }, { weight: 1, arbitrary: fc.array(alternativeArb, { minLength: 2, maxLength: 3 }) }),
});

/** Per-step windows on the 10-minute grid (so a step exactly at its window is common), for ordered and strict. */
const withinsArb = fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constantFrom("10m", "20m", "30m", "1h") }), { minLength: 4, maxLength: 4 });

export const scenarioArb = fc.record({
  events: streamArb,
  steps: fc.array(stepArb, { minLength: 2, maxLength: 4 }),
  mode: fc.constantFrom<FunnelMode>(...FUNNEL_MODES),
  window: fc.constantFrom(...WINDOWS),
  /** The range in grid units: the first step must fall in it, later ones may follow after `to`. */
  range: fc.noBias(fc.tuple(fc.integer({ min: -2, max: 6 }), fc.integer({ min: 3, max: 14 }))),
  breakdown: fc
    .tuple(fc.subarray<FunnelBreakdown>([...FUNNEL_BREAKDOWNS]), fc.subarray<FunnelBreakdown>(["properties.plan", "properties.amount", "properties.utm"], { maxLength: 2 }))
    .chain(([fixed, properties]) => fc.shuffledSubarray([...fixed, ...properties], { minLength: fixed.length + properties.length })),
  /** first_touch, or step:k (the test clamps k to the number of steps). */
  attributionStep: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 4 }) }),
  /** Small limits so the `other` group forms. */
  breakdownLimit: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  channel: rarely(fc.subarray(CHANNELS, { minLength: 1 })),
  botId: rarely(fc.constantFrom(...BOTS)),
  campaign: rarely(fc.constantFrom(...CAMPAIGNS)),
  dropoffStep: fc.integer({ min: 2, max: 5 }),
  bins: fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
  withins: fc.option(withinsArb, { nil: undefined }),
  /** Optional steps (every mode): often the first or the last, sometimes one in the middle. */
  optional: fc.option(fc.tuple(fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 3 })), { nil: undefined, freq: 2 }),
  /** hold=oid in one scenario out of three. */
  hold: fc.option(fc.constant("oid"), { nil: undefined, freq: 2 }),
  /** `exclude` texts: an event type (sometimes a step's own), a range within 4 steps or none. */
  exclude: fc.option(
    fc.array(
      fc.tuple(fc.constantFrom("message_sent", "button_clicked", "lead", "message_received[plan=pro]"), fc.option(fc.constantFrom("1-2", "2-3", "1-3", "3-4"), { nil: undefined })),
      { minLength: 1, maxLength: 2 },
    ),
    { nil: undefined },
  ),
  /**
   * Strict mode, 3 steps or more: half the time step 2 is optional and step 3 takes its alternatives (and is
   * required), so one event can take either and the run's choice between them (existential, then taking the
   * step before skipping it) is put to the test; such events are rare otherwise.
   */
  echo: fc.boolean(),
}).map(({ withins, exclude, optional, ...scenario }) => ({
  ...scenario,
  // Optional flags: at most all but one step (at least one is required).
  optionalSteps: scenario.steps.map((_, k, all) =>
    optional === undefined ? false : (k === 0 && optional[0]) || (k === all.length - 1 && optional[1]) || (k === optional[2] && k > 0 && k < all.length - 1),
  ),
  // any mode refuses exclusions; a range past the funnel's last step is a 400 of its own (tested apart).
  exclude:
    scenario.mode === "any"
      ? []
      : (exclude ?? []).filter(([, range]) => range === undefined || Number(range.split("-")[1]) <= scenario.steps.length).map(([type, range]) => (range === undefined ? type : `${type}:${range}`)),
  // Not on step 1 (nothing before it) nor in any mode (which refuses them: no order).
  steps: scenario.steps.map((step, k) => (withins?.[k] !== undefined && k > 0 && scenario.mode !== "any" ? { ...step, within: withins[k] } : step)),
})).map(({ optionalSteps, echo, ...scenario }) => {
  const echoed = echo && scenario.mode === "strict" && scenario.steps.length >= 3;
  const flags = echoed ? optionalSteps.map((flag, k) => (k === 1 ? true : k === 2 ? false : flag)) : optionalSteps;
  return {
    ...scenario,
    steps: scenario.steps.map((step, k) => ({
      ...step,
      ...(echoed && k === 2 ? { anyOf: scenario.steps[1]!.anyOf } : {}),
      ...(flags[k] && !flags.every(Boolean) ? { optional: true as const } : {}),
    })),
  };
});

/** Half the steps in the bracket grammar, half in JSON, so both spellings meet the engine. */
export function stepText(step: FunnelStep, json = false): string {
  if (!json) return funnelStepText(step);
  const alternatives = step.anyOf.map((a) => ({ type: a.type, filters: a.filters.map((f) => (f.op === "?" || f.op === "!?" ? { property: f.property, op: f.op } : f)) }));
  const within = { ...(step.within === undefined ? {} : { within: step.within }), ...(step.optional ? { optional: true } : {}) };
  return JSON.stringify(alternatives.length === 1 ? { ...alternatives[0], ...within } : { anyOf: alternatives, ...within });
}

