import { describe, expect, it } from "vitest";
import { boundToUtcMs } from "@chatfunnel/api";

const iso = (bound: string, tz: string) => new Date(boundToUtcMs(bound, tz)).toISOString();

describe("range bounds", () => {
  it("reads a date as local midnight in tz", () => {
    expect(iso("2026-05-01", "UTC")).toBe("2026-05-01T00:00:00.000Z");
    expect(iso("2026-05-01", "Europe/Moscow")).toBe("2026-04-30T21:00:00.000Z");
  });

  it("handles DST: 23- and 25-hour days in Europe/Berlin", () => {
    const springDay = boundToUtcMs("2026-03-30", "Europe/Berlin") - boundToUtcMs("2026-03-29", "Europe/Berlin");
    const autumnDay = boundToUtcMs("2026-10-26", "Europe/Berlin") - boundToUtcMs("2026-10-25", "Europe/Berlin");
    expect(springDay).toBe(23 * 3_600_000);
    expect(autumnDay).toBe(25 * 3_600_000);
  });

  it("starts a day that skips midnight at the jump (America/Santiago)", () => {
    expect(iso("2026-09-06", "America/Santiago")).toBe("2026-09-06T04:00:00.000Z");
  });

  it("keeps an explicit offset regardless of tz", () => {
    expect(iso("2026-05-01T10:00:00+03:00", "America/New_York")).toBe("2026-05-01T07:00:00.000Z");
  });
});
