/**
 * The filter operators' two halves agree on the engine: what the contract calls a number (propertyNumber,
 * which the reference uses) is what the SQL's numeric comparison reads, and JavaScript's toLowerCase (the
 * needle, and the reference) lowercases exactly as the engine's lowerUTF8 (the haystack) on the scripts a
 * messenger bot sees, the awkward letters included. A disagreement would show only as a wrong count on some
 * stream; here it names the text.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { equalityStep, propertyNumber, type FunnelFilter } from "@chatfunnel/schemas";
import { runQuery } from "../../warehouse/src/run-query.js";
import { stepMaskSql } from "../../api/src/metrics/funnel/step-conditions.js";
import { freshDatabase } from "../support/engine.js";

let storage: Storage;
beforeAll(async () => {
  storage = await freshDatabase();
});

const NUMBER_TEXTS = ["100", "+100", "-5", "1e2", "1E2", ".5", "5.", "-.5e-3", "00012", "0", "-0", "99.5", "1e400", "-1e400", "1.8e308", "1e-400",
  "12345678901234567890123", "0.1", "0.30000000000000004", "4.9406564584124654e-324", "", " 100", "100 ", "abc", "inf", "-inf", "nan", "0x10",
  "1_000", "1,5", "true", "null", "+", "-", ".", "e5", "1e", "1e+", "١٠٠"];
const TEXTS = ["ЦЕНА", "Какая Цена?", "Ёлка", "ΟΔΟΣ", "ΣΑΣ", "AΣ b", "Σ", "İstanbul", "I", "ẞ", "ß", "Ǆ", "ǅ", "ﬃ", "Ⅻ", "ᾈ", "Å", "K", "Ω", "ǰ", "ΐ",
  "Ⓐ", "𐐀", "PRICE list", "ДОСТАВКА 🚚", "ՄԵԿ", "Ꭰ"];

describe("funnel filter operators on the engine", () => {
  it("call the same texts numbers as the contract, with the same value", async () => {
    // One event per text; the mask of `[amount >= v]` and `[amount < v]` per text for a few thresholds.
    for (const threshold of ["100", "-1e308", "0", "1e-400", "1e20", "12345678901234567890123", "0.1", "5e-324"]) {
      const filters = (op: FunnelFilter["op"]): FunnelFilter[] => [{ property: "amount", op, value: threshold }];
      const mask = stepMaskSql([
        { anyOf: [{ type: "order", filters: filters(">=") }] },
        { anyOf: [{ type: "order", filters: filters("<") }] },
      ]);
      const rows = await runQuery(
        storage,
        `SELECT text, ${mask.sql} AS mask FROM (SELECT arrayJoin({texts:Array(String)}) AS text, 'order' AS type, map('amount', text) AS properties)`,
        { ...mask.params, texts: NUMBER_TEXTS },
        z.object({ text: z.string(), mask: z.coerce.number() }),
      );
      const v = propertyNumber(threshold)!;
      for (const row of rows) {
        const x = propertyNumber(row.text);
        expect({ text: row.text, threshold, mask: row.mask }).toEqual({ text: row.text, threshold, mask: x === null ? 0 : (x >= v ? 1 : 0) + (x < v ? 2 : 0) });
      }
      expect(rows).toHaveLength(NUMBER_TEXTS.length);
    }
  });

  it("lowercase as JavaScript does, and `~` finds what the reference finds", async () => {
    const rows = await runQuery(storage, `SELECT text, lowerUTF8(text) AS lower FROM (SELECT arrayJoin({texts:Array(String)}) AS text)`, { texts: TEXTS }, z.object({ text: z.string(), lower: z.string() }));
    expect(rows.map((row) => [row.text, row.lower])).toEqual(TEXTS.map((text) => [text, text.toLowerCase()]));
    // The needle is lowercased in JavaScript: each text's own upper and lower case, and a final sigma alone.
    for (const needle of ["цена", "ЁЛ", "σ", "ς", "i̇", "SS", "ß", "Ⓐ", "𐐨"]) {
      const mask = stepMaskSql([{ anyOf: [{ type: "m", filters: [{ property: "text", op: "~", value: needle }] }] }, equalityStep("m")]);
      const found = await runQuery(
        storage,
        `SELECT text, ${mask.sql} AS mask FROM (SELECT arrayJoin({texts:Array(String)}) AS text, 'm' AS type, map('text', text) AS properties)`,
        { ...mask.params, texts: TEXTS },
        z.object({ text: z.string(), mask: z.coerce.number() }),
      );
      expect(found.filter((row) => row.mask & 1).map((row) => row.text), needle).toEqual(TEXTS.filter((text) => text.toLowerCase().includes(needle.toLowerCase())));
    }
  });
});
