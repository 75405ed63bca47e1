import { describe, expect, it } from "vitest";
import { csvCell, csvLine, reportCsv, reportTable } from "../../api/src/http/csv.js";
import { parseCsv } from "../support/csv-parse.js";

describe("csvCell: RFC 4180 quoting and the formula guard", () => {
  it.each([
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["cr\rhere", '"cr\rhere"'],
    ["", ""],
    ["Привет", "Привет"],
  ])("%j → %s", (value, expected) => expect(csvCell(value)).toBe(expected));

  it.each([
    ["=SUM(A1:A9)", "'=SUM(A1:A9)"],
    ["+7 999", "'+7 999"],
    ["-2+3", "'-2+3"],
    ["-cmd", "'-cmd"],
    ["@SUM(1)", "'@SUM(1)"],
    ["\tx", "'\tx"],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ["=a,b", `"'=a,b"`],
  ])("guards text a spreadsheet would run: %j → %s", (value, expected) => expect(csvCell(value)).toBe(expected));

  it("leaves negative numeric text (a VK chat id) and text with a formula sign inside alone", () => {
    expect(csvCell("-123")).toBe("-123");
    expect(csvCell("-1.5")).toBe("-1.5");
    expect(csvCell("a=b")).toBe("a=b");
    expect(csvCell("1+1")).toBe("1+1");
  });

  it("writes numbers as JSON does, booleans as true/false, null and absent as empty cells", () => {
    expect(csvCell(0.1 + 0.2)).toBe("0.30000000000000004");
    expect(csvCell(-5)).toBe("-5");
    expect(csvCell(1e21)).toBe("1e+21");
    expect(csvCell(true)).toBe("true");
    expect(csvCell(false)).toBe("false");
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvLine([1, null, "x", undefined])).toBe("1,,x,\r\n");
  });

  it("round-trips hostile text through an independent RFC 4180 parser", () => {
    const values = ['"', '""', ",", "a\r\nb", "a\"b,c\nd", " lead ", "'quoted'"];
    const parsed = parseCsv(csvLine(values));
    expect(parsed).toEqual([values]);
  });
});

describe("reportTable: one table per report answer", () => {
  const range = { from: "2026-05-01T00:00:00.000Z", to: "2026-05-02T00:00:00.000Z", tz: "UTC" };

  it("flattens nested objects to dotted columns: overview's two periods are one row", () => {
    const table = reportTable({ range, current: { users: 3, revenue: { amount: 10.5, currency: "RUB" } }, previous: { users: 1, revenue: { amount: 0, currency: "RUB" }, range: { from: "a", to: "b" } }, otherCurrencies: [] });
    expect(table.columns).toEqual(["range.from", "range.to", "range.tz", "current.users", "current.revenue.amount", "current.revenue.currency", "previous.users", "previous.revenue.amount", "previous.revenue.currency", "previous.range.from", "previous.range.to"]);
    expect(table.rows).toEqual([[range.from, range.to, "UTC", 3, 10.5, "RUB", 1, 0, "RUB", "a", "b"]]);
  });

  it("makes one row per element of an array of objects, repeating the enclosing figures", () => {
    const table = reportTable({ range, metric: "leads", currency: null, points: [{ bucket: "2026-05-01", value: 2 }, { bucket: "2026-05-02", value: null }], otherCurrencies: [] });
    expect(table.columns).toEqual(["range.from", "range.to", "range.tz", "metric", "currency", "points.bucket", "points.value"]);
    expect(table.rows).toEqual([
      [range.from, range.to, "UTC", "leads", null, "2026-05-01", 2],
      [range.from, range.to, "UTC", "leads", null, "2026-05-02", null],
    ]);
  });

  it("stacks sibling arrays with a leading table column, and nests arrays inside array elements", () => {
    const answer = {
      windowSeconds: 60,
      breakdown: ["channel"],
      steps: [{ index: 1, type: "lead", filters: { plan: "pro" }, users: 2 }],
      breakdowns: [
        { values: { channel: "vk" }, steps: [{ index: 1, type: "lead", filters: {}, users: 1 }, { index: 2, type: "order", filters: {}, users: 0 }] },
        { values: { channel: null }, steps: [] },
      ],
    };
    const table = reportTable(answer);
    expect(table.columns).toEqual(["table", "windowSeconds", "breakdown", "steps.index", "steps.type", "steps.filters.plan", "steps.users", "breakdowns.values.channel", "breakdowns.steps.index", "breakdowns.steps.type", "breakdowns.steps.users"]);
    expect(table.rows).toEqual([
      ["steps", 60, '["channel"]', 1, "lead", "pro", 2, undefined, undefined, undefined, undefined],
      ["breakdowns.steps", 60, '["channel"]', undefined, undefined, undefined, undefined, "vk", 1, "lead", 1],
      ["breakdowns.steps", 60, '["channel"]', undefined, undefined, undefined, undefined, "vk", 2, "order", 0],
      // A group whose steps are empty is still a row: its own figures are not lost.
      ["breakdowns", 60, '["channel"]', undefined, undefined, undefined, undefined, null, undefined, undefined, undefined],
    ]);
  });

  it("answers a header and one row of figures for an answer without arrays", () => {
    expect(reportCsv({ newUsers: 2, resolutionRate: null, label: "=x" })).toBe("newUsers,resolutionRate,label\r\n2,,'=x\r\n");
  });
});
