import { describe, expect, it } from "vitest";
import { bucketLabels, bucketStart, localDate } from "../../api/src/metrics/buckets.js";

describe("time buckets", () => {
  it("puts instants on their local date, DST days included", () => {
    // Berlin springs forward on 2026-03-29 (23 h) and falls back on 2026-10-25 (25 h).
    expect(localDate(Date.parse("2026-03-29T21:59:59.999Z"), "Europe/Berlin")).toBe("2026-03-29");
    expect(localDate(Date.parse("2026-03-29T22:00:00Z"), "Europe/Berlin")).toBe("2026-03-30");
    expect(localDate(Date.parse("2026-10-25T22:59:59.999Z"), "Europe/Berlin")).toBe("2026-10-25");
    expect(localDate(Date.parse("2026-10-25T23:00:00Z"), "Europe/Berlin")).toBe("2026-10-26");
    expect(localDate(Date.parse("2026-05-01T18:29:00Z"), "Asia/Kolkata")).toBe("2026-05-01");
    expect(localDate(Date.parse("2026-05-01T18:30:00Z"), "Asia/Kolkata")).toBe("2026-05-02");
  });

  it("starts weeks on Monday and months on the 1st", () => {
    expect(bucketStart("2026-03-29", "week")).toBe("2026-03-23"); // a Sunday
    expect(bucketStart("2026-03-30", "week")).toBe("2026-03-30"); // a Monday
    expect(bucketStart("2026-01-01", "week")).toBe("2025-12-29");
    expect(bucketStart("2026-02-28", "month")).toBe("2026-02-01");
  });

  it("lists every bucket of [from, to), the last one holding the millisecond before `to`", () => {
    const from = Date.parse("2026-03-27T23:00:00Z"); // 2026-03-28 00:00 in Berlin
    const to = Date.parse("2026-03-30T22:00:00Z"); // 2026-03-31 00:00 in Berlin, after a 23-hour day
    expect(bucketLabels(from, to, "Europe/Berlin", "day")).toEqual(["2026-03-28", "2026-03-29", "2026-03-30"]);
    expect(bucketLabels(from, to, "Europe/Berlin", "week")).toEqual(["2026-03-23", "2026-03-30"]);
    expect(bucketLabels(Date.parse("2026-01-15T00:00:00Z"), Date.parse("2026-03-01T00:00:00Z"), "UTC", "month")).toEqual(["2026-01-01", "2026-02-01"]);
    expect(bucketLabels(Date.parse("2026-12-20T00:00:00Z"), Date.parse("2027-01-02T00:00:00Z"), "UTC", "month")).toEqual(["2026-12-01", "2027-01-01"]);
  });
});
