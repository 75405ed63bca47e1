import { describe, expect, it } from "vitest";
import { equalityStep } from "@chatfunnel/schemas";
import { referenceDropoff, referenceFunnel } from "../reference/funnel.js";
import { FUNNEL_EXAMPLES, T0, ev, exampleExclusions } from "../reference/funnel-examples.js";

const MIN = 60_000;

describe("the funnel reference follows the written definitions", () => {
  it.each(FUNNEL_EXAMPLES)("$name", (example) => {
    const result = referenceFunnel(
      example.events,
      { fromMs: T0 + example.range[0] * MIN, toMs: T0 + example.range[1] * MIN },
      { steps: example.steps, windowSeconds: example.windowMinutes * 60, mode: example.mode, exclusions: exampleExclusions(example.exclude ?? [], example.steps.length) },
    );
    expect(result.steps.map((s) => s.users)).toEqual(example.users);
    if (example.median) expect(result.steps.map((s) => s.medianSecondsToConvert)).toEqual(example.median);
    if (example.mean) expect(result.steps.map((s) => s.meanSecondsToConvert)).toEqual(example.mean);
    if (example.medianFromPrevious) expect(result.steps.map((s) => s.medianSecondsFromPrevious)).toEqual(example.medianFromPrevious);
    if (example.meanFromPrevious) expect(result.steps.map((s) => s.meanSecondsFromPrevious)).toEqual(example.meanFromPrevious);
  });

  it("takes the mean of the two middle values as the median of an even count", () => {
    const events = [0, 1, 2, 3].flatMap((i) => [ev(`u${i}`, "bot_started", 0), ev(`u${i}`, "lead", [1, 2, 4, 10][i]!)]);
    const result = referenceFunnel(events, { fromMs: T0, toMs: T0 + 60 * MIN }, { steps: [equalityStep("bot_started"), equalityStep("lead")], windowSeconds: 3600, mode: "ordered" });
    expect(result.steps[1]).toMatchObject({ users: 4, medianSecondsToConvert: 180, meanSecondsToConvert: 255 });
  });

  it("bins times to convert in equal widths from 0 to the longest, the last bin closed", () => {
    const events = [0, 1, 2, 4].flatMap((minutes, i) => [ev(`b${i}`, "bot_started", 0), ev(`b${i}`, "lead", minutes), ...(i === 0 ? [ev(`b${i}`, "order", 3)] : [])]);
    const steps = [equalityStep("bot_started"), equalityStep("lead"), equalityStep("order")];
    const result = referenceFunnel(events, { fromMs: T0, toMs: T0 + 60 * MIN }, { steps, windowSeconds: 3600, mode: "ordered", bins: 2 });
    expect(result.timeToConvertBins).toEqual([
      // 0 and 60 s below 120; 120 s opens the second bin and 240 s, the longest, closes it.
      { step: 2, bins: [{ fromSeconds: 0, toSeconds: 120, users: 2 }, { fromSeconds: 120, toSeconds: 240, users: 2 }] },
      // One user at 180 s: the longest, so the last bin.
      { step: 3, bins: [{ fromSeconds: 0, toSeconds: 90, users: 0 }, { fromSeconds: 90, toSeconds: 180, users: 1 }] },
    ]);
    const noOrder = referenceFunnel(events.filter((e) => e.type !== "order"), { fromMs: T0, toMs: T0 + 60 * MIN }, { steps, windowSeconds: 3600, mode: "ordered", bins: 3 });
    expect(noOrder.timeToConvertBins![1]).toEqual({ step: 3, bins: [] });
    const allAtOnce = referenceFunnel([ev("z", "bot_started", 0), ev("z", "lead", 0)], { fromMs: T0, toMs: T0 + 60 * MIN }, { steps: steps.slice(0, 2), windowSeconds: 3600, mode: "ordered", bins: 2 });
    expect(allAtOnce.timeToConvertBins).toEqual([{ step: 2, bins: [{ fromSeconds: 0, toSeconds: 0, users: 1 }, { fromSeconds: 0, toSeconds: 0, users: 0 }] }]);
  });

  it("counts a resent event once and reports conversion, drop-off and breakdown groups", () => {
    const lead = ev("a", "lead", 1);
    const events = [ev("a", "bot_started", 0, { source: { campaign: "spring" } }), lead, { ...lead }, ev("b", "bot_started", 0, { channel: "vk" }), ev("b", "lead", 2, { channel: "vk" }), ev("c", "bot_started", 0)];
    const definition = { steps: [equalityStep("bot_started"), equalityStep("lead")], windowSeconds: 3600, mode: "ordered" as const, breakdown: ["channel" as const, "campaign" as const] };
    const result = referenceFunnel(events, { fromMs: T0, toMs: T0 + 60 * MIN }, definition);
    expect(result.steps[1]).toMatchObject({ users: 2, conversionFromFirst: 2 / 3, conversionFromPrevious: 2 / 3, dropOff: 1, dropOffRate: 1 / 3 });
    expect(result.breakdowns.map((g) => [g.values, g.steps.map((s) => s.users)])).toEqual([
      [{ channel: "telegram", campaign: null }, [1, 0]],
      [{ channel: "telegram", campaign: "spring" }, [1, 1]],
      [{ channel: "vk", campaign: null }, [1, 1]],
    ]);
    expect(referenceDropoff(events, { fromMs: T0, toMs: T0 + 60 * MIN }, definition, 2)).toEqual([{ channel: "telegram", userId: "c", reachedAt: new Date(T0).toISOString() }]);
  });
});
