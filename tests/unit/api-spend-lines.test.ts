import { describe, expect, it } from "vitest";
import { parseSpendCsv, parseSpendJson, splitCsv } from "../../api/src/metrics/spend-lines.js";

const HEADER = "date,channel,campaign,amount,currency";

describe("spend CSV", () => {
  it("reads rows, an empty campaign as none, quoted cells, CRLF and a BOM", () => {
    const csv = `\uFEFF${HEADER}\r\n2026-05-01,telegram,"spring, ""vip""",1200.50,RUB\r\n2026-05-01,vk,,300,RUB\r\n`;
    const parsed = parseSpendCsv(csv, 100);
    expect(parsed).toEqual({
      ok: true,
      rows: [
        { date: "2026-05-01", channel: "telegram", campaign: 'spring, "vip"', amount: 1200.5, currency: "RUB" },
        { date: "2026-05-01", channel: "vk", amount: 300, currency: "RUB" },
      ],
    });
  });

  it("accepts the columns in any order and without campaign", () => {
    expect(parseSpendCsv("currency,amount,channel,date\nUSD,5,web,2026-01-02", 10)).toEqual({
      ok: true,
      rows: [{ date: "2026-01-02", channel: "web", amount: 5, currency: "USD" }],
    });
  });

  it("names the file line and the field of every bad cell, and imports nothing", () => {
    const csv = [HEADER, "2026-05-01,telegram,a,10,RUB", "2026-13-01,icq,b,ten,rub", "", "2026-05-02,vk,c,-1,RUB"].join("\n");
    const parsed = parseSpendCsv(csv, 100);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const where = parsed.errors.map((error) => `${error.line}:${error.field}`).sort();
    expect(where).toEqual(["3:amount", "3:channel", "3:currency", "3:date", "5:amount"]);
  });

  it("rejects a bad header naming the column", () => {
    const parsed = parseSpendCsv("date,channel,cost,currency\n2026-05-01,vk,1,RUB", 10);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 1, field: "cost" }),
        expect.objectContaining({ line: 1, field: "amount" }),
      ]),
    );
  });

  it("rejects a row with the wrong number of cells, an unclosed quote, too many rows and an empty file", () => {
    const short = parseSpendCsv(`${HEADER}\n2026-05-01,vk,1,RUB`, 10);
    expect(short.ok ? [] : short.errors).toEqual([expect.objectContaining({ line: 2, field: "(row)" })]);
    const quote = parseSpendCsv(`${HEADER}\n2026-05-01,vk,"open,1,RUB`, 10);
    expect(quote.ok ? [] : quote.errors).toEqual([expect.objectContaining({ line: 2, message: expect.stringContaining("quote") })]);
    const many = parseSpendCsv(`${HEADER}\n2026-05-01,vk,a,1,RUB\n2026-05-02,vk,a,1,RUB\n2026-05-03,vk,a,1,RUB`, 2);
    expect(many.ok ? [] : many.errors).toEqual([expect.objectContaining({ line: 4, message: expect.stringContaining("at most 2") })]);
    expect(parseSpendCsv("", 10).ok).toBe(false);
    expect(parseSpendCsv(HEADER, 10).ok).toBe(false);
  });

  it("counts lines inside quoted cells so later line numbers stay true", () => {
    expect(splitCsv('a,b\n"x\ny",z\nlast,row')).toEqual([
      { line: 1, cells: ["a", "b"] },
      { line: 2, cells: ["x\ny", "z"] },
      { line: 4, cells: ["last", "row"] },
    ]);
  });
});

describe("spend JSON", () => {
  it("numbers lines from 1 in rows order and names the field", () => {
    const parsed = parseSpendJson({
      rows: [
        { date: "2026-05-01", channel: "vk", amount: 1, currency: "RUB" },
        { date: "2026-05-01", channel: "vk", amount: 1.23456, currency: "RUB" },
        { date: "2026-05-02", channel: "vk", amount: 1, currency: "RUB", extra: true },
      ],
    });
    expect(parsed.ok ? [] : parsed.errors.map((error) => `${error.line}:${error.field}`)).toEqual(["2:amount", "3:(row)"]);
  });

  it("rejects two rows for the same date, channel and campaign in one import", () => {
    const row = { date: "2026-05-01", channel: "vk", campaign: "a", amount: 1, currency: "RUB" };
    const parsed = parseSpendJson({ rows: [row, { ...row, amount: 2 }] });
    expect(parsed.ok ? [] : parsed.errors).toEqual([{ line: 2, field: "(row)", message: "repeats the date, channel and campaign of line 1" }]);
  });

  it("rejects a body that is not {rows: [...]}", () => {
    expect(parseSpendJson([{ date: "2026-05-01" }]).ok).toBe(false);
    expect(parseSpendJson({ rows: [] }).ok).toBe(false);
  });
});
