import { EVENT_TYPE_PATTERN, type FunnelBreakdown, type FunnelMode } from "@chatfunnel/contract";
import type { FunnelDefinition } from "../api/queries.js";
import { keyedDraftReducer } from "../drafts/keyed-draft.js";
import { canAddFilter, stepToText, textToStep, type DraftStep } from "./definition.js";
import { MAX_FUNNEL_STEPS, MIN_FUNNEL_STEPS } from "./limits.js";

/** The funnel builder's form: what the user is editing, applied to the URL only on submit. */
export interface FunnelDraft {
  steps: DraftStep[];
  windowAmount: string;
  windowUnit: string;
  mode: FunnelMode;
  breakdown: FunnelBreakdown | "";
}

export type FunnelEdit =
  | { type: "stepType"; step: number; value: string }
  | { type: "addStep" }
  | { type: "removeStep"; step: number }
  | { type: "addFilter"; step: number }
  | { type: "filterKey"; step: number; filter: number; value: string }
  | { type: "filterValue"; step: number; filter: number; value: string }
  | { type: "removeFilter"; step: number; filter: number }
  | { type: "windowAmount"; value: string }
  | { type: "windowUnit"; value: string }
  | { type: "mode"; value: FunnelMode }
  | { type: "breakdown"; value: FunnelBreakdown | "" };

export function draftFromDefinition(definition: FunnelDefinition): FunnelDraft {
  return {
    steps: definition.steps.map((text) => textToStep(text) ?? { type: text, filters: [] }),
    windowAmount: definition.window.slice(0, -1),
    windowUnit: definition.window.slice(-1),
    mode: definition.mode,
    breakdown: definition.breakdown ?? "",
  };
}

/** Names the definition a draft starts from: equal keys, equal funnels. */
export const definitionKey = (definition: FunnelDefinition): string => JSON.stringify(definition);

const mapAt = <T>(list: T[], index: number, change: (item: T) => T): T[] => list.map((item, i) => (i === index ? change(item) : item));

export function editFunnelDraft(draft: FunnelDraft, edit: FunnelEdit): FunnelDraft {
  switch (edit.type) {
    case "stepType":
      return { ...draft, steps: mapAt(draft.steps, edit.step, (s) => ({ ...s, type: edit.value })) };
    case "addStep":
      return draft.steps.length >= MAX_FUNNEL_STEPS ? draft : { ...draft, steps: [...draft.steps, { type: "", filters: [] }] };
    case "removeStep":
      return draft.steps.length <= MIN_FUNNEL_STEPS ? draft : { ...draft, steps: draft.steps.filter((_, i) => i !== edit.step) };
    case "addFilter":
      return { ...draft, steps: mapAt(draft.steps, edit.step, (s) => (canAddFilter(s) ? { ...s, filters: [...s.filters, { key: "", value: "" }] } : s)) };
    case "filterKey":
      return { ...draft, steps: mapAt(draft.steps, edit.step, (s) => ({ ...s, filters: mapAt(s.filters, edit.filter, (f) => ({ ...f, key: edit.value })) })) };
    case "filterValue":
      return { ...draft, steps: mapAt(draft.steps, edit.step, (s) => ({ ...s, filters: mapAt(s.filters, edit.filter, (f) => ({ ...f, value: edit.value })) })) };
    case "removeFilter":
      return { ...draft, steps: mapAt(draft.steps, edit.step, (s) => ({ ...s, filters: s.filters.filter((_, i) => i !== edit.filter) })) };
    case "windowAmount":
      return { ...draft, windowAmount: edit.value };
    case "windowUnit":
      return { ...draft, windowUnit: edit.value };
    case "mode":
      return { ...draft, mode: edit.value };
    case "breakdown":
      return { ...draft, breakdown: edit.value };
  }
}

/** The funnel draft's one reducer: reset from the URL's definition, or an edit. */
export const funnelDraftReducer = keyedDraftReducer(draftFromDefinition, editFunnelDraft);

/** A step type the API takes (the builder does not wait for a 400 to say so). */
export const isDraftType = (type: string): boolean => EVENT_TYPE_PATTERN.test(type.trim());

/** The definition to apply, or null while the draft is not one (fewer than two steps, a bad type). */
export function definitionFromDraft(draft: FunnelDraft): FunnelDefinition | null {
  if (draft.steps.length < MIN_FUNNEL_STEPS || !draft.steps.every((step) => isDraftType(step.type))) return null;
  return { steps: draft.steps.map(stepToText), window: `${Math.max(1, Number(draft.windowAmount) || 1)}${draft.windowUnit}`, mode: draft.mode, breakdown: draft.breakdown || null };
}
