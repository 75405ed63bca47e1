import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { FunnelDropoffQuerySchema, FunnelQuerySchema, equalityStep, funnelStepEqualityFilters, funnelStepText, parseFunnelStep } from "@chatfunnel/schemas";
import { dropoffCsv } from "../../api/src/metrics/funnel/csv.js";
import { csvCell } from "../../api/src/http/csv.js";
import { stepMaskSql } from "../../api/src/metrics/funnel/step-conditions.js";

const range = { from: "2026-05-01", to: "2026-05-08" };

describe("funnel step spelling", () => {
  it("reads a plain type, bracket filters and JSON steps", () => {
    expect(parseFunnelStep("lead")).toEqual({ step: equalityStep("lead") });
    expect(parseFunnelStep("order[plan=pro][country=RU]")).toEqual({ step: equalityStep("order", { plan: "pro", country: "RU" }) });
    // Split at the first '=': values may contain '=' and be empty.
    expect(parseFunnelStep("button_clicked[ref=a=b][note=]")).toEqual({ step: equalityStep("button_clicked", { ref: "a=b", note: "" }) });
    expect(parseFunnelStep('{"type":"order","filters":{"items":2,"vip":true,"coupon":null,"plan":"pro"}}')).toEqual({
      step: equalityStep("order", { items: "2", vip: "true", coupon: "null", plan: "pro" }),
    });
  });

  it("rejects what it cannot read, saying why", () => {
    expect(parseFunnelStep("Lead")).toHaveProperty("error");
    expect(parseFunnelStep("lead[plan]")).toEqual({ error: "filter '[plan]' must be [property<op>value] with op =, !=, >, >=, <, <= or ~, or [property?] / [property!?]" });
    expect(parseFunnelStep("lead[plan=a][plan=b]")).toEqual({ error: "filter property 'plan' is given twice" });
    expect(parseFunnelStep("lead[plan=pro")).toHaveProperty("error");
    expect(parseFunnelStep("{not json")).toEqual({ error: "is not valid JSON" });
    expect(parseFunnelStep('{"type":"lead","extra":1}')).toHaveProperty("error");
  });

  it("keeps filters on properties named like Object.prototype's members, __proto__ included", () => {
    const entries = (text: string) => {
      const parsed = parseFunnelStep(text);
      if (!("step" in parsed)) throw new Error(parsed.error);
      return parsed.step.anyOf[0]!.filters.map((f) => [f.property, f.value]);
    };
    // Before: z.record dropped the key, and lead[__proto__=x] matched every lead.
    expect(entries("lead[__proto__=x]")).toEqual([["__proto__", "x"]]);
    expect(entries("lead[__proto__=x][constructor=y][toString=z]")).toEqual([["__proto__", "x"], ["constructor", "y"], ["toString", "z"]]);
    expect(entries('{"type":"lead","filters":{"__proto__":"x","n":1}}')).toEqual([["__proto__", "x"], ["n", "1"]]);
    const { sql, params } = stepMaskSql([equalityStep("lead", Object.fromEntries([["__proto__", "x"]]))]);
    expect(params).toEqual({ step0_0_type: "lead", step0_0_0_key: "__proto__", step0_0_0_value: "x" });
    expect(sql).toContain("{step0_0_0_key:String}");
    const query = FunnelQuerySchema.parse({ ...range, steps: ["lead[__proto__=x]", "order"] });
    expect(query.steps[0]!.anyOf[0]!.filters.map((f) => f.property)).toEqual(["__proto__"]);
    // The filter echoes back in the answer: own properties, whatever their name.
    expect(JSON.stringify(funnelStepEqualityFilters(query.steps[0]!))).toBe('{"__proto__":"x"}');
    expect(funnelStepText(query.steps[0]!)).toBe("lead[__proto__=x]");
  });

  it("still bounds filters: at most 8, keys 1..128 characters, values ≤ 1024", () => {
    expect(parseFunnelStep(`lead${Array.from({ length: 9 }, (_, i) => `[k${i}=v]`).join("")}`)).toHaveProperty("error");
    expect(parseFunnelStep(`lead[${"k".repeat(129)}=v]`)).toHaveProperty("error");
    expect(parseFunnelStep(`lead[k=${"v".repeat(1025)}]`)).toHaveProperty("error");
    expect(parseFunnelStep('{"type":"lead","filters":{"":"x"}}')).toHaveProperty("error");
    expect(parseFunnelStep('{"type":"lead","filters":["x"]}')).toHaveProperty("error");
    expect(parseFunnelStep('{"type":"lead","filters":{"a":{"b":1}}}')).toHaveProperty("error");
  });

  it("round-trips any filters whose values avoid ']' through the bracket spelling", () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);
    const value = fc.string({ maxLength: 20 }).filter((text) => !text.includes("]"));
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (filters) => {
        const text = `lead${Object.entries(filters).map(([k, v]) => `[${k}=${v}]`).join("")}`;
        expect(parseFunnelStep(text)).toEqual({ step: equalityStep("lead", filters) });
      }),
    );
  });
});

describe("funnel query", () => {
  it("applies defaults: ordered, 7 days, no breakdown", () => {
    const query = FunnelQuerySchema.parse({ ...range, steps: ["bot_started", "lead"] });
    expect(query).toMatchObject({ mode: "ordered", window: 7 * 86_400 });
    expect(query.breakdown).toBeUndefined();
    expect(query.steps).toEqual([equalityStep("bot_started"), equalityStep("lead")]);
  });

  it("reads windows in minutes, hours and days, bounded at 90 days", () => {
    const window = (text: string) => FunnelQuerySchema.safeParse({ ...range, steps: ["a", "b"], window: text });
    expect(window("30m").data?.window).toBe(1800);
    expect(window("12h").data?.window).toBe(43_200);
    expect(window("90d").data?.window).toBe(90 * 86_400);
    for (const bad of ["91d", "0d", "7", "7w", "-1d", "1.5h", ""]) expect(window(bad).success, bad).toBe(false);
  });

  it("takes 2 to 20 steps and names the bad one", () => {
    const steps = (list: string[] | string) => FunnelQuerySchema.safeParse({ ...range, steps: list });
    expect(steps("lead").success).toBe(false);
    expect(steps(Array.from({ length: 20 }, () => "lead")).success).toBe(true);
    expect(steps(Array.from({ length: 21 }, () => "lead")).success).toBe(false);
    const bad = steps(["lead", "Order"]);
    expect(bad.error?.issues[0]?.path).toEqual(["steps", 1]);
    // An unknown operator names the step's position in the message too.
    const unknown = steps(["lead", "order", "order[amount=>=1]", "order[a!x]"]);
    expect(unknown.error?.issues[0]?.path).toEqual(["steps", 3]);
    expect(unknown.error?.issues[0]?.message).toMatch(/^steps\[3\] "order\[a!x\]": filter '\[a!x\]' has an unknown operator/);
  });

  it("allows each breakdown dimension once, from the allow-list", () => {
    const breakdown = (value: unknown) => FunnelQuerySchema.safeParse({ ...range, steps: ["a", "b"], breakdown: value });
    expect(breakdown("channel").data?.breakdown).toEqual(["channel"]);
    expect(breakdown(["channel", "campaign", "source", "botId"]).success).toBe(true);
    expect(breakdown(["channel", "channel"]).success).toBe(false);
    expect(breakdown("user_id").success).toBe(false);
    expect(breakdown("channel; DROP TABLE events").success).toBe(false);
  });

  it("pages drop-offs with bounded limits", () => {
    const dropoff = (extra: Record<string, string>) => FunnelDropoffQuerySchema.safeParse({ ...range, steps: ["a", "b"], ...extra });
    expect(dropoff({ step: "2" }).data).toMatchObject({ step: 2, limit: 1000, offset: 0 });
    expect(dropoff({ step: "1" }).success).toBe(false);
    expect(dropoff({ step: "2", limit: "10001" }).success).toBe(false);
    expect(dropoff({ step: "2", format: "xml" }).success).toBe(false);
  });
});

describe("drop-off CSV", () => {
  it("has a header row and quotes what needs quoting", () => {
    const csv = dropoffCsv([
      { channel: "telegram", userId: "plain", reachedAt: "2026-05-01T10:00:00.000Z" },
      { channel: "vk", userId: 'with "quote", comma\nand newline', reachedAt: "2026-05-01T10:00:00.000Z" },
    ]);
    expect(csv).toBe(
      'channel,userId,reachedAt\r\ntelegram,plain,2026-05-01T10:00:00.000Z\r\nvk,"with ""quote"", comma\nand newline",2026-05-01T10:00:00.000Z\r\n',
    );
  });

  it("keeps spreadsheets from running ids as formulas but leaves negative numbers alone", () => {
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell("+7900")).toBe("'+7900");
    expect(csvCell("@x")).toBe("'@x");
    expect(csvCell("-cmd")).toBe("'-cmd");
    expect(csvCell("-2000000001")).toBe("-2000000001");
  });

  it("parses back to the same fields for any text without formula prefixes", () => {
    const parse = (line: string): string[] => {
      const out: string[] = [];
      let i = 0;
      while (i <= line.length) {
        if (line[i] === '"') {
          let value = "";
          i++;
          while (i < line.length) {
            if (line[i] === '"' && line[i + 1] === '"') (value += '"'), (i += 2);
            else if (line[i] === '"') break;
            else value += line[i++];
          }
          out.push(value);
          i += 2;
        } else {
          const end = line.indexOf(",", i);
          out.push(line.slice(i, end < 0 ? line.length : end));
          i = end < 0 ? line.length + 1 : end + 1;
        }
      }
      return out;
    };
    fc.assert(
      fc.property(fc.array(fc.string().filter((s) => !/^[=+@\t\r-]/.test(s)), { minLength: 1, maxLength: 4 }), (fields) => {
        expect(parse(fields.map(csvCell).join(","))).toEqual(fields);
      }),
    );
  });
});
