import {
  DEFAULT_FUNNEL_WINDOW,
  FUNNEL_BREAKDOWNS as BREAKDOWN_OPTIONS,
  FUNNEL_MODES as FUNNEL_MODE_OPTIONS,
  MAX_FUNNEL_STEPS,
  MAX_STEP_FILTERS,
  formatStepText,
  isFunnelWindow,
  parseStepText,
  type FunnelBreakdown,
  type FunnelMode,
} from "@chatfunnel/contract";
import type { FunnelDefinition } from "../api/queries.js";

/** The modes and breakdowns a funnel can pick: the API's lists. */
export { BREAKDOWN_OPTIONS, FUNNEL_MODE_OPTIONS };
export const DEFAULT_STEPS = ["bot_started", "message_received", "lead", "order"];

/** A step being edited: property filters as ordered pairs so the form keeps their order. */
export interface DraftStep {
  type: string;
  filters: Array<{ key: string; value: string }>;
}

/** The API's step syntax (contract/): `button_clicked[plan=pro]`, or JSON when a key or value holds a bracket or `=` cannot split it. */
export function stepToText(step: DraftStep): string {
  const filters = step.filters.filter((f) => f.key.trim() !== "").map((f): [string, string] => [f.key, f.value]);
  return formatStepText({ type: step.type.trim(), filters });
}

/** The inverse of stepToText (the API's two spellings); null for text the API would refuse as syntax. */
export function textToStep(text: string): DraftStep | null {
  const parsed = parseStepText(text);
  return "error" in parsed ? null : { type: parsed.step.type, filters: parsed.step.filters.map(([key, value]) => ({ key, value })) };
}

/** The funnel of the URL (`steps`, `window`, `mode`, `breakdown`), defaults for whatever is missing or malformed. */
export function parseFunnelParams(params: URLSearchParams): FunnelDefinition {
  const texts = params.getAll("steps").filter((text) => textToStep(text) !== null).slice(0, MAX_FUNNEL_STEPS);
  const windowParam = params.get("window") ?? "";
  const mode = params.get("mode");
  const breakdown = params.get("breakdown");
  return {
    steps: texts.length >= 2 ? texts : DEFAULT_STEPS,
    // The API's own test (grammar and the 90-day bound): a hand-edited 91d shows the default, not a 400.
    window: isFunnelWindow(windowParam) ? windowParam : DEFAULT_FUNNEL_WINDOW,
    mode: (FUNNEL_MODE_OPTIONS as readonly string[]).includes(mode ?? "") ? (mode as FunnelMode) : "ordered",
    breakdown: (BREAKDOWN_OPTIONS as readonly string[]).includes(breakdown ?? "") ? (breakdown as FunnelBreakdown) : null,
  };
}

export function writeFunnelParams(params: URLSearchParams, definition: FunnelDefinition): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const name of ["steps", "window", "mode", "breakdown", "dropoff"]) next.delete(name);
  for (const step of definition.steps) next.append("steps", step);
  next.set("window", definition.window);
  next.set("mode", definition.mode);
  if (definition.breakdown) next.set("breakdown", definition.breakdown);
  return next;
}

export function canAddFilter(step: DraftStep): boolean {
  return step.filters.length < MAX_STEP_FILTERS;
}
