import { EVENT_TYPE_PATTERN, PROPERTY_BREAKDOWN_PREFIX, isFunnelWindow, isPropertyBreakdown, type FunnelBreakdown as FixedBreakdown, type FunnelMode } from "@chatfunnel/contract";
import type { FunnelDefinition } from "../api/queries.js";
import { keyedDraftReducer } from "../drafts/keyed-draft.js";
import {
  MAX_EXCLUSIONS,
  canAddAlternative,
  canAddFilter,
  filterProblem,
  isHoldProperty,
  splitExclusion,
  stepToText,
  takesValue,
  textToStep,
  windowText,
  type DraftAlternative,
  type DraftFilter,
  type DraftStep,
  type StepFilterOp,
} from "./definition.js";
import { MAX_FUNNEL_STEPS, MIN_FUNNEL_STEPS } from "./limits.js";

/** The funnel builder's form: what the user is editing, applied to the URL only on submit. */
export interface FunnelDraft {
  steps: DraftStep[];
  windowAmount: string;
  windowUnit: string;
  mode: FunnelMode;
  /** A fixed dimension, "property" (by `breakdownProperty`), or none. */
  breakdown: FixedBreakdown | "property" | "";
  breakdownProperty: string;
  /** "first_touch" or `step:k`: where a property breakdown's value comes from. */
  breakdownAttribution: string;
  /** `exclude`: an event (a step's grammar) and a range of steps (0, 0: the whole funnel). */
  exclusions: DraftExclusion[];
  /** `hold`: "" for none. */
  hold: string;
}

export interface DraftExclusion {
  event: string;
  from: number;
  to: number;
}

/** Where an edit applies: a step, one of its alternatives (0 for a step without `|`), one of its filters. */
interface At {
  step: number;
  alternative: number;
}
interface AtFilter extends At {
  filter: number;
}

export type FunnelEdit =
  | ({ type: "stepType"; value: string } & At)
  | { type: "addStep" }
  | { type: "addWithin"; step: number }
  | { type: "withinAmount"; step: number; value: string }
  | { type: "withinUnit"; step: number; value: string }
  | { type: "removeWithin"; step: number }
  | { type: "removeStep"; step: number }
  | { type: "addAlternative"; step: number }
  | ({ type: "removeAlternative" } & At)
  | ({ type: "addFilter" } & At)
  | ({ type: "filterKey"; value: string } & AtFilter)
  | ({ type: "filterOp"; value: StepFilterOp } & AtFilter)
  | ({ type: "filterValue"; value: string } & AtFilter)
  | ({ type: "editFilter" } & AtFilter)
  | ({ type: "closeFilter" } & AtFilter)
  | ({ type: "removeFilter" } & AtFilter)
  | { type: "windowAmount"; value: string }
  | { type: "windowUnit"; value: string }
  | { type: "mode"; value: FunnelMode }
  | { type: "breakdown"; value: FunnelDraft["breakdown"] }
  | { type: "breakdownProperty"; value: string }
  | { type: "breakdownAttribution"; value: string }
  | { type: "toggleOptional"; step: number }
  | { type: "addExclusion" }
  | { type: "exclusionEvent"; index: number; value: string }
  | { type: "exclusionRange"; index: number; from: number; to: number }
  | { type: "removeExclusion"; index: number }
  | { type: "hold"; value: string };

const emptyAlternative = (): DraftAlternative => ({ type: "", filters: [] });

export function draftFromDefinition(definition: FunnelDefinition): FunnelDraft {
  return {
    steps: definition.steps.map((text) => textToStep(text) ?? { alternatives: [{ type: text, filters: [] }], within: null }),
    windowAmount: definition.window.slice(0, -1),
    windowUnit: definition.window.slice(-1),
    mode: definition.mode,
    ...breakdownDraft(definition),
    exclusions: (definition.exclude ?? []).flatMap((text) => {
      const split = splitExclusion(text);
      return split === null ? [] : [split];
    }),
    hold: definition.hold ?? "",
  };
}

/** The `exclude` text of a draft exclusion. */
const exclusionText = (x: DraftExclusion): string => (x.from > 0 && x.to > 0 ? `${x.event.trim()}:${x.from}-${x.to}` : x.event.trim());

function breakdownDraft(definition: FunnelDefinition): Pick<FunnelDraft, "breakdown" | "breakdownProperty" | "breakdownAttribution"> {
  const breakdown = definition.breakdown;
  if (breakdown !== null && isPropertyBreakdown(breakdown)) {
    return { breakdown: "property", breakdownProperty: breakdown.slice(PROPERTY_BREAKDOWN_PREFIX.length), breakdownAttribution: definition.breakdownAttribution ?? "first_touch" };
  }
  return { breakdown: breakdown ?? "", breakdownProperty: "", breakdownAttribution: "first_touch" };
}

/**
 * After step `removed` (0-based) goes, `step:k` keeps naming the same step: later steps move down one; the
 * removed step itself leaves first touch.
 */
function attributionAfterRemoving(attribution: string, removed: number): string {
  if (!attribution.startsWith("step:")) return attribution;
  const k = Number(attribution.slice("step:".length));
  if (k === removed + 1) return "first_touch";
  return k > removed + 1 ? `step:${k - 1}` : attribution;
}

/** Names the definition a draft starts from: equal keys, equal funnels. */
export const definitionKey = (definition: FunnelDefinition): string => JSON.stringify(definition);

const mapAt = <T>(list: T[], index: number, change: (item: T) => T): T[] => list.map((item, i) => (i === index ? change(item) : item));

function editAlternative(draft: FunnelDraft, at: At, change: (alternative: DraftAlternative) => DraftAlternative): FunnelDraft {
  return { ...draft, steps: mapAt(draft.steps, at.step, (s) => ({ ...s, alternatives: mapAt(s.alternatives, at.alternative, change) })) };
}

function editFilter(draft: FunnelDraft, at: AtFilter, change: (filter: DraftFilter) => DraftFilter): FunnelDraft {
  return editAlternative(draft, at, (a) => ({ ...a, filters: mapAt(a.filters, at.filter, change) }));
}

export function editFunnelDraft(draft: FunnelDraft, edit: FunnelEdit): FunnelDraft {
  switch (edit.type) {
    case "stepType":
      return editAlternative(draft, edit, (a) => ({ ...a, type: edit.value }));
    case "addStep":
      return draft.steps.length >= MAX_FUNNEL_STEPS ? draft : { ...draft, steps: [...draft.steps, { alternatives: [emptyAlternative()], within: null }] };
    case "removeStep":
      if (draft.steps.length <= MIN_FUNNEL_STEPS) return draft;
      // The step that becomes first has no previous step to be within a time of.
      return {
        ...draft,
        steps: draft.steps.filter((_, i) => i !== edit.step).map((s, i) => (i === 0 ? { ...s, within: null } : s)),
        breakdownAttribution: attributionAfterRemoving(draft.breakdownAttribution, edit.step),
        // A range past the new last step becomes the whole funnel rather than a 400.
        exclusions: draft.exclusions.map((x) => (x.to > draft.steps.length - 1 ? { ...x, from: 0, to: 0 } : x)),
      };
    case "addWithin":
      // Step 1 has no previous step.
      return edit.step === 0 ? draft : { ...draft, steps: mapAt(draft.steps, edit.step, (s) => ({ ...s, within: s.within ?? { amount: "1", unit: "h" } })) };
    case "withinAmount":
      return { ...draft, steps: mapAt(draft.steps, edit.step, (s) => (s.within ? { ...s, within: { ...s.within, amount: edit.value } } : s)) };
    case "withinUnit":
      return { ...draft, steps: mapAt(draft.steps, edit.step, (s) => (s.within ? { ...s, within: { ...s.within, unit: edit.value } } : s)) };
    case "removeWithin":
      return { ...draft, steps: mapAt(draft.steps, edit.step, (s) => ({ ...s, within: null })) };
    case "addAlternative":
      return { ...draft, steps: mapAt(draft.steps, edit.step, (s) => (canAddAlternative(s) ? { ...s, alternatives: [...s.alternatives, emptyAlternative()] } : s)) };
    case "removeAlternative":
      // A step keeps at least one alternative: removing the step is the other button.
      return { ...draft, steps: mapAt(draft.steps, edit.step, (s) => (s.alternatives.length <= 1 ? s : { ...s, alternatives: s.alternatives.filter((_, i) => i !== edit.alternative) })) };
    case "addFilter":
      // A new filter opens as its editor; it becomes a chip once closed.
      return editAlternative(draft, edit, (a) => (canAddFilter(a) ? { ...a, filters: [...a.filters, { key: "", op: "=", value: "", editing: true }] } : a));
    case "filterKey":
      return editFilter(draft, edit, (f) => ({ ...f, key: edit.value }));
    case "filterOp":
      // A presence test has no value: none is kept for it to send.
      return editFilter(draft, edit, (f) => ({ ...f, op: edit.value, value: takesValue(edit.value) ? f.value : "" }));
    case "filterValue":
      return editFilter(draft, edit, (f) => ({ ...f, value: edit.value }));
    case "editFilter":
      return editFilter(draft, edit, (f) => ({ ...f, editing: true }));
    case "closeFilter":
      // An editor closes into a chip only when the filter is one the API takes; left empty, it goes away.
      return editAlternative(draft, edit, (a) => {
        const filter = a.filters[edit.filter];
        if (!filter) return a;
        if (filter.key.trim() === "" && filter.value === "") return { ...a, filters: a.filters.filter((_, i) => i !== edit.filter) };
        return filterProblem(filter) ? a : { ...a, filters: mapAt(a.filters, edit.filter, (f) => ({ ...f, editing: false })) };
      });
    case "removeFilter":
      return editAlternative(draft, edit, (a) => ({ ...a, filters: a.filters.filter((_, i) => i !== edit.filter) }));
    case "windowAmount":
      return { ...draft, windowAmount: edit.value };
    case "windowUnit":
      return { ...draft, windowUnit: edit.value };
    case "mode":
      return { ...draft, mode: edit.value };
    case "breakdown":
      return { ...draft, breakdown: edit.value };
    case "breakdownProperty":
      return { ...draft, breakdownProperty: edit.value };
    case "breakdownAttribution":
      return { ...draft, breakdownAttribution: edit.value };
    case "toggleOptional":
      return {
        ...draft,
        steps: mapAt(draft.steps, edit.step, (s) => {
          const { optional, ...rest } = s.rest ?? {};
          const next = optional ? rest : { ...rest, optional: true as const };
          return { alternatives: s.alternatives, within: s.within, ...(Object.keys(next).length > 0 ? { rest: next } : {}) };
        }),
      };
    case "addExclusion":
      return draft.exclusions.length >= MAX_EXCLUSIONS ? draft : { ...draft, exclusions: [...draft.exclusions, { event: "", from: 0, to: 0 }] };
    case "exclusionEvent":
      return { ...draft, exclusions: mapAt(draft.exclusions, edit.index, (x) => ({ ...x, event: edit.value })) };
    case "exclusionRange":
      return { ...draft, exclusions: mapAt(draft.exclusions, edit.index, (x) => ({ ...x, from: edit.from, to: edit.to })) };
    case "removeExclusion":
      return { ...draft, exclusions: draft.exclusions.filter((_, i) => i !== edit.index) };
    case "hold":
      return { ...draft, hold: edit.value };
  }
}

/** The funnel draft's one reducer: reset from the URL's definition, or an edit. */
export const funnelDraftReducer = keyedDraftReducer(draftFromDefinition, editFunnelDraft);

/** A step type the API takes (the builder does not wait for a 400 to say so). */
export const isDraftType = (type: string): boolean => EVENT_TYPE_PATTERN.test(type.trim());

/** A filter that keeps the draft from applying: one with a property but a value its operator refuses. */
const blocks = (filter: DraftFilter): boolean => filter.key.trim() !== "" && filterProblem(filter) !== null;

/** The breakdown part of the definition, or null while a property breakdown has no valid name. */
function breakdownOf(draft: FunnelDraft): Pick<FunnelDefinition, "breakdown" | "breakdownAttribution"> | null {
  if (draft.breakdown !== "property") return { breakdown: draft.breakdown || null };
  const breakdown = `${PROPERTY_BREAKDOWN_PREFIX}${draft.breakdownProperty.trim()}`;
  if (!isPropertyBreakdown(breakdown)) return null;
  const k = draft.breakdownAttribution.startsWith("step:") ? Number(draft.breakdownAttribution.slice("step:".length)) : 0;
  return { breakdown, ...(k >= 1 && k <= draft.steps.length ? { breakdownAttribution: draft.breakdownAttribution } : {}) };
}

/** Why the draft's per-step windows keep it from applying: the API takes them in ordered and strict modes only, up to 90 days. */
export function withinProblem(draft: FunnelDraft): "mode" | "window" | null {
  const windows = draft.steps.flatMap((step) => (step.within ? [step.within] : []));
  if (windows.length === 0) return null;
  if (draft.mode === "any") return "mode";
  return windows.every((w) => isFunnelWindow(windowText(w))) ? null : "window";
}

/** Why the draft's optional steps keep it from applying: every mode takes them, but not every step. */
export function optionalProblem(draft: FunnelDraft): "all" | null {
  const optional = draft.steps.filter((step) => step.rest?.optional);
  return optional.length > 0 && optional.length === draft.steps.length ? "all" : null;
}

/** Why the draft's exclusions keep it from applying: any mode refuses them; each must be an event and a forward range within the steps. */
export function exclusionProblem(draft: FunnelDraft): "mode" | "invalid" | null {
  if (draft.exclusions.length === 0) return null;
  if (draft.mode === "any") return "mode";
  const valid = draft.exclusions.every((x) => {
    const split = splitExclusion(exclusionText(x));
    return split !== null && isDraftType(x.event.replace(/[[|].*$/, "")) && split.to <= draft.steps.length;
  });
  return valid ? null : "invalid";
}

/**
 * The definition to apply, or null while the draft is not one (fewer than two steps, a bad type or filter, a
 * per-step window the API refuses, a property breakdown without a name).
 */
export function definitionFromDraft(draft: FunnelDraft): FunnelDefinition | null {
  const alternatives = draft.steps.flatMap((step) => step.alternatives);
  if (draft.steps.length < MIN_FUNNEL_STEPS || !alternatives.every((a) => isDraftType(a.type) && !a.filters.some(blocks))) return null;
  if (withinProblem(draft) !== null || optionalProblem(draft) !== null || exclusionProblem(draft) !== null) return null;
  if (draft.hold.trim() !== "" && !isHoldProperty(draft.hold.trim())) return null;
  const breakdown = breakdownOf(draft);
  if (breakdown === null) return null;
  return {
    steps: draft.steps.map(stepToText),
    window: `${Math.max(1, Number(draft.windowAmount) || 1)}${draft.windowUnit}`,
    mode: draft.mode,
    ...breakdown,
    ...(draft.exclusions.length > 0 ? { exclude: draft.exclusions.map(exclusionText) } : {}),
    ...(draft.hold.trim() !== "" ? { hold: draft.hold.trim() } : {}),
  };
}
