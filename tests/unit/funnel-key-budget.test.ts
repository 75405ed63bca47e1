/**
 * The funnel's sort key (api/src/metrics/funnel/keys.ts) packs time, first step and step mask into one integer
 * whose widths depend on constants defined elsewhere. These tests pin that the real constants fit, and that a
 * change of any of them past the budget is refused by name instead of overflowing into a neighbouring field.
 */
import { describe, expect, it } from "vitest";
import { MAX_FUNNEL_STEPS, MAX_FUNNEL_WINDOW_SECONDS } from "@chatfunnel/schemas";
import { MAX_RANGE_DAYS } from "../../api/src/http/params.js";
import { FIRST_STEP_BITS, ID_BITS, KEY_LAYOUTS, KEY_LIMITS, MASK_BITS, NO_STEP, TIME_BITS, TYPE_BITS, checkKeyBudget } from "../../api/src/metrics/funnel/keys.js";

const DAY_MS = 86_400_000;

describe("funnel key bit budget", () => {
  it("is checked against the real constants, and they fit", () => {
    expect(KEY_LIMITS).toEqual({ maxRangeDays: MAX_RANGE_DAYS, maxWindowSeconds: MAX_FUNNEL_WINDOW_SECONDS, maxSteps: MAX_FUNNEL_STEPS });
    expect(() => checkKeyBudget(KEY_LIMITS)).not.toThrow();
    // Events are read in [from, to + window): the largest offset is below range + window.
    expect(MAX_RANGE_DAYS * DAY_MS + MAX_FUNNEL_WINDOW_SECONDS * 1000).toBeLessThan(2 ** TIME_BITS);
    expect(MAX_FUNNEL_STEPS).toBeLessThanOrEqual(MASK_BITS);
    expect(MAX_FUNNEL_STEPS - 1).toBeLessThan(NO_STEP);
    // The step:k breakdown's (time, steps matched) key is a UInt64.
    expect(TIME_BITS + MASK_BITS).toBeLessThanOrEqual(64);
  });

  it("refuses a longer range or window past the time field, naming the constant", () => {
    const window = MAX_FUNNEL_WINDOW_SECONDS;
    const fittingDays = Math.floor((2 ** TIME_BITS - 1 - window * 1000) / DAY_MS);
    expect(() => checkKeyBudget({ ...KEY_LIMITS, maxRangeDays: fittingDays })).not.toThrow();
    expect(() => checkKeyBudget({ ...KEY_LIMITS, maxRangeDays: fittingDays + 1 })).toThrow(/MAX_RANGE_DAYS = \d+ days.*39-bit time field/);
    const fittingWindow = Math.floor((2 ** TIME_BITS - 1 - MAX_RANGE_DAYS * DAY_MS) / 1000);
    expect(() => checkKeyBudget({ ...KEY_LIMITS, maxWindowSeconds: fittingWindow })).not.toThrow();
    expect(() => checkKeyBudget({ ...KEY_LIMITS, maxWindowSeconds: fittingWindow + 1 })).toThrow(/MAX_FUNNEL_WINDOW_SECONDS/);
  });

  it("refuses more steps than the mask has bits, naming the constant", () => {
    expect(() => checkKeyBudget({ ...KEY_LIMITS, maxSteps: MASK_BITS })).not.toThrow();
    expect(() => checkKeyBudget({ ...KEY_LIMITS, maxSteps: MASK_BITS + 1 })).toThrow(/MAX_FUNNEL_STEPS = 21 needs 21 mask bits/);
  });

  it("lays the fields out without overlap, time on top, filling the UInt64 exactly", () => {
    for (const layout of Object.values(KEY_LAYOUTS)) {
      const idBits = layout.withId ? ID_BITS : 0;
      expect(layout.mask).toBe(idBits);
      expect(layout.firstStep).toBe(layout.mask + MASK_BITS);
      expect(layout.ts).toBe(layout.firstStep + FIRST_STEP_BITS);
      expect(layout.ts + TIME_BITS).toBeLessThanOrEqual(TYPE_BITS[layout.type]);
    }
    expect(KEY_LAYOUTS.withoutId).toMatchObject({ type: "UInt64", ts: 25 });
    expect(KEY_LAYOUTS.withoutId.ts + TIME_BITS).toBe(64);
    expect(KEY_LAYOUTS.withId).toMatchObject({ type: "UInt128", ts: 89 });
  });
});
