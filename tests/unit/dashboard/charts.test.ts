import { describe, expect, it } from "vitest";
import { wholeNumbersOnly, type Series } from "../../../dashboard/src/charts/Charts.js";

const series: Series[] = [
  { key: "users", label: "Users", color: "#000" },
  { key: "leads", label: "Leads", color: "#111" },
];

describe("chart axes", () => {
  it("ask for whole ticks when every plotted value is a count (a maximum of 2 read 0, 1, 1, 2, 2)", () => {
    expect(wholeNumbersOnly([{ day: "2026-05-01", users: 2, leads: 0 }, { day: "2026-05-02", users: 1, leads: null }], series)).toBe(true);
  });

  it("keep fractional ticks for rates, shares and money with cents", () => {
    expect(wholeNumbersOnly([{ day: "2026-05-01", users: 2, leads: 0.25 }], series)).toBe(false);
  });

  it("look only at the plotted series, not the x values or other columns", () => {
    expect(wholeNumbersOnly([{ day: 1.5, users: 3, leads: 4, revenue: 9.99 }], series)).toBe(true);
  });
});
