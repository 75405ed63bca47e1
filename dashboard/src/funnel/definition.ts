import {
  DEFAULT_FUNNEL_WINDOW,
  MAX_PROPERTY_NAME_LENGTH,
  FUNNEL_BREAKDOWNS as BREAKDOWN_OPTIONS,
  FUNNEL_MODES as FUNNEL_MODE_OPTIONS,
  MAX_FUNNEL_STEPS,
  MAX_STEP_ALTERNATIVES,
  MAX_STEP_FILTERS,
  NUMERIC_FILTER_OPS,
  PRESENCE_FILTER_OPS,
  STEP_FILTER_OPS as FILTER_OPS,
  FUNNEL_BREAKDOWN_ATTRIBUTION_PATTERN_SOURCE,
  formatStepText,
  isFunnelWindow,
  isPropertyBreakdown,
  parseStepText,
  propertyNumber,
  type FunnelMode,
  type StepFilterOp,
  type StepText,
} from "@chatfunnel/contract";
import type { FunnelBreakdown } from "@chatfunnel/schemas";
import type { FunnelDefinition } from "../api/queries.js";

/** The modes, breakdowns and filter operators a funnel can pick: the API's lists. */
export { BREAKDOWN_OPTIONS, FILTER_OPS, FUNNEL_MODE_OPTIONS, type StepFilterOp };
export const DEFAULT_STEPS = ["bot_started", "message_received", "lead", "order"];

/** A property filter being edited: a chip, or its editor while `editing`. */
export interface DraftFilter {
  key: string;
  op: StepFilterOp;
  value: string;
  editing: boolean;
}

/** One alternative of a step (`lead|order`: two): an event type and filters that must all hold. */
export interface DraftAlternative {
  type: string;
  filters: DraftFilter[];
}

/**
 * A step being edited: an event matches it when it matches any alternative. `rest` is whatever else the step
 * grammar gives a step (contract's StepText beside `anyOf`): carried through unedited, so a link's step never
 * loses a part the builder has no control for.
 */
export interface DraftStep {
  alternatives: DraftAlternative[];
  /** The per-step window (`lead<=1h`): at most this long after the previous step; null for none. */
  within: DraftWindow | null;
  rest?: Omit<StepText, "anyOf" | "within">;
}

/** A window as edited: the amount as typed, the unit m, h or d. */
export interface DraftWindow {
  amount: string;
  unit: string;
}

/** The window text a draft window stands for: an amount of 0 or nothing is 1. */
export const windowText = (window: DraftWindow): string => `${Math.max(1, Math.floor(Number(window.amount)) || 1)}${window.unit}`;

const draftWindow = (text: string): DraftWindow => ({ amount: text.slice(0, -1), unit: text.slice(-1) });

/** `?` and `!?` take no value; `>` `>=` `<` `<=` a number. */
export const takesValue = (op: StepFilterOp): boolean => !PRESENCE_FILTER_OPS.includes(op);
export const isNumericOp = (op: StepFilterOp): boolean => NUMERIC_FILTER_OPS.includes(op);

/** What keeps a filter from going into the URL: no property yet, or a comparison with a value that is no number. */
export function filterProblem(filter: Pick<DraftFilter, "key" | "op" | "value">): "property" | "number" | null {
  if (filter.key.trim() === "") return "property";
  if (isNumericOp(filter.op) && propertyNumber(filter.value) === null) return "number";
  return null;
}

/**
 * The API's step syntax (contract/): `lead|order[amount>100]`, or JSON when a name or value holds what brackets
 * cannot. Filters without a property are not written (an editor opened and left empty).
 */
export function stepToText(step: DraftStep): string {
  return formatStepText({
    ...step.rest,
    ...(step.within ? { within: windowText(step.within) } : {}),
    anyOf: step.alternatives.map((alternative) => ({
      type: alternative.type.trim(),
      filters: alternative.filters
        .filter((f) => f.key.trim() !== "")
        .map((f) => ({ property: f.key, op: f.op, value: takesValue(f.op) ? f.value : "" })),
    })),
  });
}

/** The inverse of stepToText (the API's spellings); null for text the API would refuse as syntax. */
export function textToStep(text: string): DraftStep | null {
  const parsed = parseStepText(text);
  if ("error" in parsed) return null;
  const { anyOf, within, ...rest } = parsed.step;
  return {
    alternatives: anyOf.map((alternative) => ({
      type: alternative.type,
      filters: alternative.filters.map((f) => ({ key: f.property, op: f.op, value: f.value, editing: false })),
    })),
    within: within === undefined ? null : draftWindow(within),
    ...(Object.keys(rest).length > 0 ? { rest } : {}),
  };
}

const ATTRIBUTION_PATTERN = new RegExp(FUNNEL_BREAKDOWN_ATTRIBUTION_PATTERN_SOURCE);

/** The API's limit on `exclude` (schemas' MAX_FUNNEL_EXCLUSIONS). */
export const MAX_EXCLUSIONS = 5;
const EXCLUSION_RANGE = /:([1-9][0-9]?)-([1-9][0-9]?)$/;

/** An `exclude` text split into its event (a step's grammar) and range (`2-3`, or "" for the whole funnel); null when the API would refuse its syntax. */
export function splitExclusion(text: string): { event: string; from: number; to: number } | null {
  const range = EXCLUSION_RANGE.exec(text.slice(Math.max(0, text.lastIndexOf("]"))));
  const event = range ? text.slice(0, text.length - range[0].length) : text;
  const parsed = parseStepText(event);
  if ("error" in parsed || parsed.step.optional || parsed.step.within !== undefined) return null;
  const from = range ? Number(range[1]) : 0;
  const to = range ? Number(range[2]) : 0;
  return range && from >= to ? null : { event, from, to };
}

/** A held property's name as the API takes it. */
export const isHoldProperty = (text: string): boolean => text.length > 0 && text.length <= MAX_PROPERTY_NAME_LENGTH;

/** A breakdown the API takes: a fixed dimension or `properties.<name>`. */
export const isBreakdown = (text: string): text is FunnelBreakdown => (BREAKDOWN_OPTIONS as readonly string[]).includes(text) || isPropertyBreakdown(text);

/** `step:k` for a step the funnel has; first touch (the default) is no attribution. */
export function stepAttribution(text: string | null, steps: number): string | undefined {
  if (text === null || !ATTRIBUTION_PATTERN.test(text) || text === "first_touch") return undefined;
  return Number(text.slice("step:".length)) <= steps ? text : undefined;
}

/**
 * The funnel of the URL (`steps`, `window`, `mode`, `breakdown`, `breakdownAttribution`), defaults for whatever
 * is missing or malformed.
 */
export function parseFunnelParams(params: URLSearchParams): FunnelDefinition {
  const texts = params.getAll("steps").filter((text) => textToStep(text) !== null).slice(0, MAX_FUNNEL_STEPS);
  const steps = texts.length >= 2 ? texts : DEFAULT_STEPS;
  const windowParam = params.get("window") ?? "";
  const mode = params.get("mode");
  const breakdown = params.get("breakdown") ?? "";
  // Only a property's value has a source to choose; the fixed dimensions are what they are.
  const attribution = isPropertyBreakdown(breakdown) ? stepAttribution(params.get("breakdownAttribution"), steps.length) : undefined;
  const exclude = params
    .getAll("exclude")
    .filter((text) => {
      const split = splitExclusion(text);
      return split !== null && split.to <= steps.length;
    })
    .slice(0, MAX_EXCLUSIONS);
  const hold = params.get("hold") ?? "";
  return {
    steps,
    // The API's own test (grammar and the 90-day bound): a hand-edited 91d shows the default, not a 400.
    window: isFunnelWindow(windowParam) ? windowParam : DEFAULT_FUNNEL_WINDOW,
    mode: (FUNNEL_MODE_OPTIONS as readonly string[]).includes(mode ?? "") ? (mode as FunnelMode) : "ordered",
    breakdown: isBreakdown(breakdown) ? breakdown : null,
    ...(attribution ? { breakdownAttribution: attribution } : {}),
    ...(exclude.length > 0 ? { exclude } : {}),
    ...(isHoldProperty(hold) ? { hold } : {}),
  };
}

export function writeFunnelParams(params: URLSearchParams, definition: FunnelDefinition): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const name of ["steps", "window", "mode", "breakdown", "breakdownAttribution", "exclude", "hold", "dropoff"]) next.delete(name);
  for (const exclusion of definition.exclude ?? []) next.append("exclude", exclusion);
  if (definition.hold) next.set("hold", definition.hold);
  for (const step of definition.steps) next.append("steps", step);
  next.set("window", definition.window);
  next.set("mode", definition.mode);
  if (definition.breakdown) next.set("breakdown", definition.breakdown);
  if (definition.breakdown && definition.breakdownAttribution) next.set("breakdownAttribution", definition.breakdownAttribution);
  return next;
}

export function canAddFilter(alternative: DraftAlternative): boolean {
  return alternative.filters.length < MAX_STEP_FILTERS;
}

export function canAddAlternative(step: DraftStep): boolean {
  return step.alternatives.length < MAX_STEP_ALTERNATIVES;
}
