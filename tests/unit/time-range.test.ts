import { describe, expect, it } from "vitest";
import { boundToUtcMs, resolveTimeZone } from "@chatfunnel/api";
import { CommonQuerySchema, MAX_RANGE_DATE, MIN_RANGE_DATE, RangeBoundSchema, TimeZoneSchema } from "@chatfunnel/schemas";
import { TimeZones } from "../../api/src/http/time-zones.js";

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

describe("supported dates", () => {
  it("reads years below 100 as themselves, not as 19xx (Date.UTC(1, …) is 1901)", () => {
    expect(iso("0001-01-01", "UTC")).toBe("0001-01-01T00:00:00.000Z");
    expect(iso("0099-12-31", "UTC")).toBe("0099-12-31T00:00:00.000Z");
  });

  it(`accepts bounds dated ${MIN_RANGE_DATE} to ${MAX_RANGE_DATE} and nothing outside`, () => {
    for (const good of ["2000-01-01", "2100-01-01", "2000-01-01T00:00:00+14:00", "2100-01-01T23:59:59-12:00", "2026-05-01T10:00:00.123Z"]) {
      expect(RangeBoundSchema.safeParse(good).success, good).toBe(true);
    }
    for (const bad of ["0001-01-01", "1901-01-01", "1999-12-31", "1999-12-31T23:59:59Z", "2100-01-02", "9999-12-31", "0000-01-01T00:00:00Z", "+275760-09-13", "2026-02-30"]) {
      expect(RangeBoundSchema.safeParse(bad).success, bad).toBe(false);
    }
    const parsed = CommonQuerySchema.safeParse({ from: "0001-01-01", to: "2026-05-02" });
    expect(parsed.error?.issues.map((issue) => issue.path)).toEqual([["from"]]);
  });
});

describe("time zones", () => {
  // The engine's list (system.time_zones) holds Factory, which Intl refuses; it lacks SystemV/AST4 and
  // US/Pacific-New, which Intl accepts.
  const zones = new TimeZones(["UTC", "Europe/Moscow", "America/New_York", "US/Pacific", "Factory"]);

  it("answers the engine's spelling of a zone given in any case", () => {
    expect(resolveTimeZone("utc", "UTC", zones)).toBe("UTC");
    expect(resolveTimeZone("europe/moscow", "UTC", zones)).toBe("Europe/Moscow");
    expect(resolveTimeZone("EUROPE/MOSCOW", "UTC", zones)).toBe("Europe/Moscow");
    expect(resolveTimeZone("US/Pacific", "UTC", zones)).toBe("US/Pacific");
  });

  it("refuses, naming tz, what the engine or the runtime cannot load", () => {
    for (const bad of ["SystemV/AST4", "US/Pacific-New", "Factory", "Mars/Olympus", "Europe/Moscow ", ""]) {
      expect(() => resolveTimeZone(bad, "UTC", zones), bad).toThrow(/'tz'/);
    }
  });

  it("falls back to UTC for a project setting the engine cannot load", () => {
    expect(resolveTimeZone(undefined, "Europe/Moscow", zones)).toBe("Europe/Moscow");
    expect(resolveTimeZone(undefined, "europe/moscow", zones)).toBe("Europe/Moscow");
    expect(resolveTimeZone(undefined, "SystemV/AST4", zones)).toBe("UTC");
    expect(resolveTimeZone(undefined, "", zones)).toBe("UTC");
  });

  it("bounds the text before any lookup", () => {
    expect(TimeZoneSchema.safeParse("A".repeat(65)).success).toBe(false);
    expect(TimeZoneSchema.safeParse("Europe/Moscow").success).toBe(true);
  });
});
