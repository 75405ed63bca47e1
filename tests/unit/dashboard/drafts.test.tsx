// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { act, cleanup, renderHook } from "@testing-library/react";
import { FUNNEL_BREAKDOWNS, FUNNEL_MODES, MAX_FUNNEL_STEPS, MAX_STEP_FILTERS, MIN_FUNNEL_STEPS } from "@chatfunnel/contract";
import type { FunnelDefinition } from "../../../dashboard/src/api/queries.js";
import { useKeyedDraft } from "../../../dashboard/src/drafts/keyed-draft.js";
import { parseFunnelParams, stepToText } from "../../../dashboard/src/funnel/definition.js";
import { definitionFromDraft, definitionKey, draftFromDefinition, editFunnelDraft, funnelDraftReducer, type FunnelDraft } from "../../../dashboard/src/funnel/draft.js";
import { parseFilters } from "../../../dashboard/src/filters/filters.js";
import { filterTextKey, filterTextReducer, textDraftFromFilters } from "../../../dashboard/src/filters/text-draft.js";

afterEach(cleanup);

const lead: FunnelDefinition = { steps: ["bot_started", "lead[plan=pro]"], window: "2d", mode: "strict", breakdown: "campaign" };
const order: FunnelDefinition = { steps: ["bot_started", "order", '{"type":"payment","filters":{"note":"a]b"}}'], window: "30m", mode: "any", breakdown: null };

describe("the funnel draft reducer", () => {
  it("starts from the definition: steps with their filters, the window split, mode and breakdown", () => {
    expect(draftFromDefinition(lead)).toEqual({
      steps: [
        { type: "bot_started", filters: [] },
        { type: "lead", filters: [{ key: "plan", value: "pro" }] },
      ],
      windowAmount: "2",
      windowUnit: "d",
      mode: "strict",
      breakdown: "campaign",
    });
    expect(draftFromDefinition(order).steps[2]).toEqual({ type: "payment", filters: [{ key: "note", value: "a]b" }] });
  });

  it("gives back the definition it started from, for any funnel the URL can hold", () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
    const filter = fc.record({ key: fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k.trim() === k && k !== ""), value: fc.string({ maxLength: 6 }) });
    const step = fc.record({ type: word, filters: fc.uniqueArray(filter, { maxLength: 3, selector: (f) => f.key }) }).map(stepToText);
    const definition = fc.record({
      steps: fc.array(step, { minLength: MIN_FUNNEL_STEPS, maxLength: 5 }),
      window: fc.tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom("m", "h", "d")).map(([n, unit]) => `${n}${unit}`),
      mode: fc.constantFrom(...FUNNEL_MODES),
      breakdown: fc.constantFrom(null, ...FUNNEL_BREAKDOWNS),
    });
    fc.assert(
      fc.property(definition, (d) => {
        expect(definitionFromDraft(draftFromDefinition(d))).toEqual(d);
      }),
    );
  });

  it("edits steps and filters within the API's bounds", () => {
    let draft: FunnelDraft = draftFromDefinition(lead);
    draft = editFunnelDraft(draft, { type: "stepType", step: 0, value: "message_received" });
    draft = editFunnelDraft(draft, { type: "addFilter", step: 0 });
    draft = editFunnelDraft(draft, { type: "filterKey", step: 0, filter: 0, value: "n" });
    draft = editFunnelDraft(draft, { type: "filterValue", step: 0, filter: 0, value: "1" });
    draft = editFunnelDraft(draft, { type: "removeFilter", step: 1, filter: 0 });
    draft = editFunnelDraft(draft, { type: "mode", value: "ordered" });
    draft = editFunnelDraft(draft, { type: "breakdown", value: "" });
    draft = editFunnelDraft(draft, { type: "windowAmount", value: "12" });
    draft = editFunnelDraft(draft, { type: "windowUnit", value: "h" });
    expect(definitionFromDraft(draft)).toEqual({ steps: ["message_received[n=1]", "lead"], window: "12h", mode: "ordered", breakdown: null });

    // Never fewer than the minimum, never more than the maximum steps or filters (the buttons are disabled there too).
    expect(editFunnelDraft(draft, { type: "removeStep", step: 0 }).steps).toHaveLength(MIN_FUNNEL_STEPS);
    let long = draft;
    for (let i = 0; i < MAX_FUNNEL_STEPS + 3; i++) long = editFunnelDraft(long, { type: "addStep" });
    expect(long.steps).toHaveLength(MAX_FUNNEL_STEPS);
    expect(editFunnelDraft(long, { type: "removeStep", step: 2 }).steps).toHaveLength(MAX_FUNNEL_STEPS - 1);
    let filtered = draft;
    for (let i = 0; i < MAX_STEP_FILTERS + 3; i++) filtered = editFunnelDraft(filtered, { type: "addFilter", step: 1 });
    expect(filtered.steps[1]!.filters).toHaveLength(MAX_STEP_FILTERS);
  });

  it("applies nothing while the draft is no funnel; a window of 0 or nothing is 1", () => {
    const draft = draftFromDefinition(lead);
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "stepType", step: 1, value: "Lead" }))).toBeNull();
    expect(definitionFromDraft(editFunnelDraft(draft, { type: "addStep" }))).toBeNull();
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
    act(() => result.current[1]({ type: "stepType", step: 1, value: "order" }));
    rerender({ definition: { ...lead, steps: [...lead.steps] } });
    expect(result.current[0].steps[1]!.type).toBe("order");
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
