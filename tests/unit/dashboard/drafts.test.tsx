// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { act, cleanup, renderHook } from "@testing-library/react";
import { FUNNEL_BREAKDOWNS, FUNNEL_MODES, MAX_FUNNEL_STEPS, MAX_STEP_ALTERNATIVES, MAX_STEP_FILTERS, MIN_FUNNEL_STEPS } from "@chatfunnel/contract";
import type { FunnelDefinition } from "../../../dashboard/src/api/queries.js";
import { useKeyedDraft } from "../../../dashboard/src/drafts/keyed-draft.js";
import { FILTER_OPS, isNumericOp, parseFunnelParams, stepToText, takesValue, type StepFilterOp } from "../../../dashboard/src/funnel/definition.js";
import { definitionFromDraft, definitionKey, draftFromDefinition, editFunnelDraft, funnelDraftReducer, optionalProblem, withinProblem, type FunnelDraft } from "../../../dashboard/src/funnel/draft.js";
import { parseFilters } from "../../../dashboard/src/filters/filters.js";
import { filterTextKey, filterTextReducer, textDraftFromFilters } from "../../../dashboard/src/filters/text-draft.js";

afterEach(cleanup);

const lead: FunnelDefinition = { steps: ["bot_started", "lead[plan=pro]"], window: "2d", mode: "strict", breakdown: "campaign" };
const order: FunnelDefinition = { steps: ["bot_started", "order", '{"type":"payment","filters":{"note":"a]b"}}'], window: "30m", mode: "any", breakdown: null };

const one = (type: string, filters: Array<[string, StepFilterOp, string]> = []) => ({ alternatives: [{ type, filters: filters.map(([key, op, value]) => ({ key, op, value, editing: false })) }], within: null });

describe("the funnel draft reducer", () => {
  it("starts from the definition: steps with their alternatives and filters, the window split, mode and breakdown", () => {
    expect(draftFromDefinition(lead)).toEqual({
      steps: [one("bot_started"), one("lead", [["plan", "=", "pro"]])],
      windowAmount: "2",
      windowUnit: "d",
      mode: "strict",
      breakdown: "campaign",
      breakdownProperty: "",
      breakdownAttribution: "first_touch",
      // No exclusions and nothing held in this definition.
      exclusions: [],
      hold: "",
    });
    expect(draftFromDefinition({ ...lead, breakdown: "properties.plan", breakdownAttribution: "step:2" })).toMatchObject({ breakdown: "property", breakdownProperty: "plan", breakdownAttribution: "step:2" });
    expect(draftFromDefinition(order).steps[2]).toEqual(one("payment", [["note", "=", "a]b"]]));
    expect(draftFromDefinition({ ...order, steps: ["bot_started", "lead|order[amount>=100][utm?]<=90m"] }).steps[1]).toEqual({
      alternatives: [
        { type: "lead", filters: [] },
        { type: "order", filters: [{ key: "amount", op: ">=", value: "100", editing: false }, { key: "utm", op: "?", value: "", editing: false }] },
      ],
      within: { amount: "90", unit: "m" },
    });
  });

  it("gives back the definition it started from, for any funnel the URL can hold", () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
    // Values the operator takes: numbers for comparisons, none for presence, any text otherwise.
    const filter = fc
      .tuple(fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k.trim() === k && k !== ""), fc.constantFrom(...FILTER_OPS), fc.string({ maxLength: 6 }), fc.double({ noNaN: true, noDefaultInfinity: true }))
      .map(([key, op, text, number]) => ({ key, op, value: !takesValue(op) ? "" : isNumericOp(op) ? String(number) : text, editing: false }));
    const alternative = fc.record({ type: word, filters: fc.uniqueArray(filter, { maxLength: 3, selector: (f) => `${f.op} ${f.key}` }) });
    const within = fc.option(fc.tuple(fc.integer({ min: 1, max: 90 }), fc.constantFrom("m", "h", "d")).map(([amount, unit]) => ({ amount: String(amount), unit })));
    const step = fc.tuple(fc.array(alternative, { minLength: 1, maxLength: 3 }), within);
    // Per-step windows where the API takes them: from the second step, in ordered and strict modes.
    const definition = fc
      .record({
        steps: fc.array(step, { minLength: MIN_FUNNEL_STEPS, maxLength: 5 }),
        window: fc.tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom("m", "h", "d")).map(([n, unit]) => `${n}${unit}`),
        mode: fc.constantFrom(...FUNNEL_MODES),
        breakdown: fc.constantFrom(null, ...FUNNEL_BREAKDOWNS, "properties.plan", "properties.a b"),
        attribution: fc.constantFrom(null, "step:1", "step:2"),
      })
      .map(({ steps, ...rest }) => ({ ...rest, steps: steps.map(([alternatives, w], i) => stepToText({ alternatives, within: i === 0 || rest.mode === "any" ? null : w })) }));
    fc.assert(
      fc.property(definition, ({ attribution, ...d }) => {
        // Attribution belongs to a property breakdown only.
        const withAttribution: FunnelDefinition = d.breakdown?.startsWith("properties.") && attribution ? { ...d, breakdownAttribution: attribution } : d;
        expect(definitionFromDraft(draftFromDefinition(withAttribution))).toEqual(withAttribution);
      }),
    );
  });

  it("edits types, alternatives and filter chips within the API's bounds", () => {
    const at = { step: 0, alternative: 0 };
    let draft: FunnelDraft = draftFromDefinition(lead);
    draft = editFunnelDraft(draft, { type: "stepType", ...at, value: "message_received" });
    draft = editFunnelDraft(draft, { type: "addFilter", ...at });
    // A new filter opens as an editor.
    expect(draft.steps[0]!.alternatives[0]!.filters).toEqual([{ key: "", op: "=", value: "", editing: true }]);
    draft = editFunnelDraft(draft, { type: "filterKey", ...at, filter: 0, value: "n" });
    draft = editFunnelDraft(draft, { type: "filterOp", ...at, filter: 0, value: ">" });
    draft = editFunnelDraft(draft, { type: "filterValue", ...at, filter: 0, value: "many" });
    // Not a number: the editor stays open and nothing applies.
    expect(editFunnelDraft(draft, { type: "closeFilter", ...at, filter: 0 }).steps[0]!.alternatives[0]!.filters[0]!.editing).toBe(true);
    expect(definitionFromDraft(draft)).toBeNull();
    draft = editFunnelDraft(draft, { type: "filterValue", ...at, filter: 0, value: "2.5" });
    draft = editFunnelDraft(draft, { type: "closeFilter", ...at, filter: 0 });
    expect(draft.steps[0]!.alternatives[0]!.filters[0]).toEqual({ key: "n", op: ">", value: "2.5", editing: false });
    // "or": a second alternative for step 2, then a presence filter on it (which drops any value it had).
    draft = editFunnelDraft(draft, { type: "addAlternative", step: 1 });
    draft = editFunnelDraft(draft, { type: "stepType", step: 1, alternative: 1, value: "order" });
    draft = editFunnelDraft(draft, { type: "addFilter", step: 1, alternative: 1 });
    draft = editFunnelDraft(draft, { type: "filterKey", step: 1, alternative: 1, filter: 0, value: "utm" });
    draft = editFunnelDraft(draft, { type: "filterValue", step: 1, alternative: 1, filter: 0, value: "x" });
    draft = editFunnelDraft(draft, { type: "filterOp", step: 1, alternative: 1, filter: 0, value: "?" });
    draft = editFunnelDraft(draft, { type: "removeFilter", step: 1, alternative: 0, filter: 0 });
    draft = editFunnelDraft(draft, { type: "mode", value: "ordered" });
    draft = editFunnelDraft(draft, { type: "breakdown", value: "" });
    draft = editFunnelDraft(draft, { type: "windowAmount", value: "12" });
    draft = editFunnelDraft(draft, { type: "windowUnit", value: "h" });
    expect(definitionFromDraft(draft)).toEqual({ steps: ["message_received[n>2.5]", "lead|order[utm?]"], window: "12h", mode: "ordered", breakdown: null });
    // A chip reopens for editing; an editor closed empty goes away.
    expect(editFunnelDraft(draft, { type: "editFilter", ...at, filter: 0 }).steps[0]!.alternatives[0]!.filters[0]!.editing).toBe(true);
    const empty = editFunnelDraft(draft, { type: "addFilter", ...at });
    expect(editFunnelDraft(empty, { type: "closeFilter", ...at, filter: 1 }).steps[0]!.alternatives[0]!.filters).toHaveLength(1);
    expect(definitionFromDraft(empty)).toEqual(definitionFromDraft(draft));
    // The last alternative of a step stays: removing the step is the other button.
    expect(editFunnelDraft(draft, { type: "removeAlternative", ...at }).steps[0]!.alternatives).toHaveLength(1);
    expect(stepToText(editFunnelDraft(draft, { type: "removeAlternative", step: 1, alternative: 0 }).steps[1]!)).toBe("order[utm?]");

    // Never fewer than the minimum, never more than the maximum steps, alternatives or filters (the buttons are disabled there too).
    expect(editFunnelDraft(draft, { type: "removeStep", step: 0 }).steps).toHaveLength(MIN_FUNNEL_STEPS);
    let long = draft;
    for (let i = 0; i < MAX_FUNNEL_STEPS + 3; i++) long = editFunnelDraft(long, { type: "addStep" });
    expect(long.steps).toHaveLength(MAX_FUNNEL_STEPS);
    expect(editFunnelDraft(long, { type: "removeStep", step: 2 }).steps).toHaveLength(MAX_FUNNEL_STEPS - 1);
    let filtered = draft;
    for (let i = 0; i < MAX_STEP_FILTERS + 3; i++) filtered = editFunnelDraft(filtered, { type: "addFilter", step: 1, alternative: 0 });
    expect(filtered.steps[1]!.alternatives[0]!.filters).toHaveLength(MAX_STEP_FILTERS);
    let wide = draft;
    for (let i = 0; i < MAX_STEP_ALTERNATIVES + 3; i++) wide = editFunnelDraft(wide, { type: "addAlternative", step: 0 });
    expect(wide.steps[0]!.alternatives).toHaveLength(MAX_STEP_ALTERNATIVES);
  });

  it("gives a step from the second on a time limit from the previous one, in ordered and strict modes, at most 90 days", () => {
    let draft = draftFromDefinition({ ...lead, steps: ["bot_started", "lead", "order"], mode: "ordered" });
    // Step 1 has no previous step.
    expect(editFunnelDraft(draft, { type: "addWithin", step: 0 }).steps[0]!.within).toBeNull();
    draft = editFunnelDraft(draft, { type: "addWithin", step: 2 });
    expect(definitionFromDraft(draft)?.steps).toEqual(["bot_started", "lead", "order<=1h"]);
    draft = editFunnelDraft(draft, { type: "withinAmount", step: 2, value: "30" });
    draft = editFunnelDraft(draft, { type: "withinUnit", step: 2, value: "m" });
    expect(definitionFromDraft(draft)?.steps).toEqual(["bot_started", "lead", "order<=30m"]);
    expect(withinProblem(draft)).toBeNull();
    // The API refuses them in any mode and past 90 days: nothing applies then.
    expect(withinProblem(editFunnelDraft(draft, { type: "mode", value: "any" }))).toBe("mode");
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "mode", value: "any" }))).toBeNull();
    const long = editFunnelDraft(editFunnelDraft(draft, { type: "withinAmount", step: 2, value: "91" }), { type: "withinUnit", step: 2, value: "d" });
    expect(withinProblem(long)).toBe("window");
    expect(definitionFromDraft(long)).toBeNull();
    // Removing step 1 makes step 2 the first: its limit goes with its previous step.
    const limited = editFunnelDraft(draft, { type: "addWithin", step: 1 });
    expect(definitionFromDraft(editFunnelDraft(limited, { type: "removeStep", step: 0 }))?.steps).toEqual(["lead", "order<=30m"]);
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "removeWithin", step: 2 }))?.steps).toEqual(["bot_started", "lead", "order"]);
  });

  it("optional steps apply in every mode, and never all of them", () => {
    const draft = draftFromDefinition({ ...order, steps: ["bot_started", "?subscribed", "lead"], mode: "any" });
    expect(optionalProblem(draft)).toBeNull();
    expect(definitionFromDraft(draft)?.steps).toEqual(["bot_started", "?subscribed", "lead"]);
    expect(optionalProblem(editFunnelDraft(draft, { type: "mode", value: "ordered" }))).toBeNull();
    expect(optionalProblem(editFunnelDraft(draft, { type: "mode", value: "strict" }))).toBeNull();
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "mode", value: "strict" }))).toMatchObject({ steps: ["bot_started", "?subscribed", "lead"], mode: "strict" });
    expect(optionalProblem(draftFromDefinition({ ...order, steps: ["?bot_started", "?lead"] }))).toBe("all");
  });

  it("breaks down by a property, its value from the first event with it or from a step's event, kept on the same step when others go", () => {
    let draft = draftFromDefinition({ ...order, steps: ["bot_started", "lead", "order", "payment"] });
    draft = editFunnelDraft(draft, { type: "breakdown", value: "property" });
    // No name yet: nothing to apply.
    expect(definitionFromDraft(draft)).toBeNull();
    draft = editFunnelDraft(draft, { type: "breakdownProperty", value: " plan " });
    expect(definitionFromDraft(draft)).toMatchObject({ breakdown: "properties.plan" });
    expect(definitionFromDraft(draft)).not.toHaveProperty("breakdownAttribution");
    draft = editFunnelDraft(draft, { type: "breakdownAttribution", value: "step:3" });
    expect(definitionFromDraft(draft)).toMatchObject({ breakdown: "properties.plan", breakdownAttribution: "step:3" });
    // Removing step 2 makes step 3 the second-to-last; removing the attributed step itself falls back to first touch.
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "removeStep", step: 1 }))).toMatchObject({ breakdownAttribution: "step:2" });
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "removeStep", step: 3 }))).toMatchObject({ breakdownAttribution: "step:3" });
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "removeStep", step: 2 }))).not.toHaveProperty("breakdownAttribution");
    // A fixed dimension carries no attribution.
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "breakdown", value: "channel" }))).toEqual({ steps: ["bot_started", "lead", "order", "payment"], window: "30m", mode: "any", breakdown: "channel" });
  });

  it("applies nothing while the draft is no funnel; a window of 0 or nothing is 1", () => {
    const draft = draftFromDefinition(lead);
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "stepType", step: 1, alternative: 0, value: "Lead" }))).toBeNull();
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "addStep" }))).toBeNull();
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "addAlternative", step: 0 }))).toBeNull();
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "windowAmount", value: "" }))?.window).toBe("1d");
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "windowAmount", value: "0" }))?.window).toBe("1d");
  });

  it("resets from a new definition and keeps its key through edits", () => {
    const start = { key: definitionKey(lead), draft: draftFromDefinition(lead) };
    const edited = funnelDraftReducer(start, { type: "edit", edit: { type: "mode", value: "any" } });
    expect(edited.key).toBe(definitionKey(lead));
    expect(edited.draft.mode).toBe("any");
    expect(funnelDraftReducer(edited, { type: "reset", key: definitionKey(order), definition: order })).toEqual({ key: definitionKey(order), draft: draftFromDefinition(order) });
  });
});

describe("a draft keyed on the URL's definition", () => {
  const useFunnelDraft = (definition: FunnelDefinition) => useKeyedDraft(definition, definitionKey(definition), draftFromDefinition, funnelDraftReducer);

  it("shows a new definition in the very render it arrives, and an abandoned edit never comes back", () => {
    const renders: FunnelDraft[] = [];
    const { result, rerender } = renderHook(
      ({ definition }) => {
        const state = useFunnelDraft(definition);
        renders.push(state[0]);
        return state;
      },
      { initialProps: { definition: lead } },
    );
    act(() => result.current[1]({ type: "mode", value: "any" }));
    expect(result.current[0].mode).toBe("any");

    renders.length = 0;
    rerender({ definition: order });
    expect(result.current[0]).toEqual(draftFromDefinition(order));
    // No frame of the old draft: every render after the URL changed saw the new definition.
    expect(renders.length).toBeGreaterThan(0);
    expect(renders.every((draft) => draft.windowUnit === "m" && draft.steps.length === 3)).toBe(true);

    // Back to the first funnel: the form shows it as the URL has it, not the edit left behind.
    rerender({ definition: lead });
    expect(result.current[0]).toEqual(draftFromDefinition(lead));
  });

  it("keeps the draft when the same definition comes again as a new object", () => {
    const { result, rerender } = renderHook(({ definition }) => useFunnelDraft(definition), { initialProps: { definition: lead } });
    act(() => result.current[1]({ type: "stepType", step: 1, alternative: 0, value: "order" }));
    rerender({ definition: { ...lead, steps: [...lead.steps] } });
    expect(result.current[0].steps[1]!.alternatives[0]!.type).toBe("order");
  });

  it("the filter bar's text follows the URL's bot and campaign, and survives a change of channel or period", () => {
    const filters = parseFilters(new URLSearchParams("bot=shop_bot&campaign=spring&range=7d&tz=UTC"));
    const { result, rerender } = renderHook(({ f }) => useKeyedDraft(f, filterTextKey(f), textDraftFromFilters, filterTextReducer), { initialProps: { f: filters } });
    act(() => result.current[1]({ campaign: "sum" }));
    rerender({ f: { ...filters, channels: ["vk"], preset: "30d", from: "2026-04-01" } });
    expect(result.current[0]).toEqual({ botId: "shop_bot", campaign: "sum" });
    rerender({ f: { ...filters, botId: "other_bot" } });
    expect(result.current[0]).toEqual({ botId: "other_bot", campaign: "spring" });
  });
});

describe("the URL's funnel", () => {
  it("drops a step the API would refuse as syntax (a repeated filter property, a JSON step with an unknown field)", () => {
    const params = new URLSearchParams();
    for (const step of ["bot_started", "lead[a=1][a=2]", '{"type":"lead","extra":1}', "order"]) params.append("steps", step);
    expect(parseFunnelParams(params).steps).toEqual(["bot_started", "order"]);
  });
});
