import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { z } from "zod";
import * as contract from "@chatfunnel/contract";
import {
  ChannelSchema,
  EventTypeSchema,
  FunnelStepSchema,
  FunnelWindowSchema,
  LinkChannelSchema,
  LinkCodeSchema,
  RangeBoundSchema,
  TimeZoneSchema,
  parseFunnelStep,
} from "@chatfunnel/schemas";

const { formatStepText, funnelWindowSeconds, isChannel, isEventType, isFunnelWindow, isValidTimeZone, parseStepText } = contract;

/**
 * The JSON step spelling as the API read it with zod before the grammar moved to contract/ (kept here as the
 * reference the plain parser must agree with, answer for answer).
 */
const propertyEntries = <V extends z.ZodType<unknown, unknown>>(value: V) =>
  z.preprocess(
    (input) => (input !== null && typeof input === "object" && !Array.isArray(input) ? Object.entries(input) : input),
    z.array(z.tuple([z.string().min(1).max(128), value])).transform((entries) => Object.fromEntries(entries) as Record<string, z.output<V>>),
  );
const ReferenceJsonStepSchema = z.strictObject({
  type: z.string(),
  filters: propertyEntries(z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
function referenceJsonStep(text: string): { type: string; filters: Record<string, string> } | "error" {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return "error";
  }
  const parsed = ReferenceJsonStepSchema.safeParse(json);
  if (!parsed.success) return "error";
  const filters = Object.fromEntries(Object.entries(parsed.data.filters ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  return { type: parsed.data.type, filters };
}

const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const jsonValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.constant({}), fc.constant(undefined));
const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("__proto__", "constructor", "toString", "k".repeat(129), ""));
// Objects and lists of pairs, well and badly formed: every branch of the JSON spelling.
const filtersValue = fc.oneof(
  fc.dictionary(key, jsonValue, { maxKeys: 4 }),
  fc.array(fc.oneof(fc.tuple(key, scalar), fc.tuple(key, jsonValue), fc.array(scalar, { maxLength: 3 })), { maxLength: 3 }),
  jsonValue,
);
const jsonStepText = fc
  .record({ type: fc.oneof(fc.constantFrom("lead", "order", "Bad"), fc.string({ maxLength: 4 }), fc.integer()), filters: filtersValue, extra: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: [] })
  .map((record) => JSON.stringify(record));
// Brackets, equals signs and a few letters: the bracket spelling's edges (empty names, repeats, stray brackets).
const bracketStepText = fc.stringMatching(/^[a-z_ A[\]=x1]{0,16}$/);

describe("the contract's step grammar agrees with the zod schemas", () => {
  it("reads every JSON step as the former zod JSON schema did", () => {
    fc.assert(
      fc.property(fc.oneof(jsonStepText, fc.constantFrom("{", "{}", "{ ", '{"type":"a","filters":[["k","v"],["k","w"]]}', '{"type":"a","__proto__":{}}', '{"type":"a","filters":{"n":1e400}}', '{"type":"a","filters":[["n",-1e999]]}')), (text) => {
        const parsed = parseStepText(text);
        const reference = referenceJsonStep(text);
        if (reference === "error") expect(parsed).toHaveProperty("error");
        // The legacy spellings read as one alternative of equality filters.
        else {
          const step = "step" in parsed ? parsed.step : null;
          expect(step?.anyOf.length).toBe(1);
          expect(step!.anyOf[0]!.filters.every((f) => f.op === "=")).toBe(true);
          expect({ type: step!.anyOf[0]!.type, filters: Object.fromEntries(step!.anyOf[0]!.filters.map((f) => [f.property, f.value])) }).toEqual(reference);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("accepts exactly the steps the API accepts, with the same type and filters", () => {
    fc.assert(
      fc.property(fc.oneof(bracketStepText, jsonStepText), (text) => {
        const api = parseFunnelStep(text);
        const syntax = parseStepText(text);
        if ("error" in syntax) {
          expect(api).toEqual(syntax);
          return;
        }
        const candidate = syntax.step;
        const checked = FunnelStepSchema.safeParse(candidate);
        expect("step" in api).toBe(checked.success);
        if ("step" in api) expect(api.step).toEqual(candidate);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ["lead", [["lead"]]],
    ["order[plan=pro][n=1]", [["order", ["plan", "=", "pro"], ["n", "=", "1"]]]],
    ["order[a==b][c=]", [["order", ["a", "=", "=b"], ["c", "=", ""]]]],
    ['{"type":"order","filters":{"n":1,"vip":true,"x":null}}', [["order", ["n", "=", "1"], ["vip", "=", "true"], ["x", "=", "null"]]]],
    ['{"type":"order","filters":{"__proto__":"x"}}', [["order", ["__proto__", "=", "x"]]]],
    ['{"type":"order","filters":[["a","1"],["b","2"],["a","3"]]}', [["order", ["a", "=", "3"], ["b", "=", "2"]]]],
    // Operators: the longest at the first operator character, the rest is the value.
    ["order[plan!=pro][amount>100][amount<=2.5e3][n>=-1][m<.5]", [["order", ["plan", "!=", "pro"], ["amount", ">", "100"], ["amount", "<=", "2.5e3"], ["n", ">=", "-1"], ["m", "<", ".5"]]]],
    ["message_received[text~Цена?][utm?][ref!?]", [["message_received", ["text", "~", "Цена?"], ["utm", "?", ""], ["ref", "!?", ""]]]],
    ["lead[a=x|y]|order[b~[z]|bot_started", [["lead", ["a", "=", "x|y"]], ["order", ["b", "~", "[z"]], ["bot_started"]]],
    ['{"type":"order","filters":[{"property":"amount","op":">","value":100},{"property":"utm","op":"?"},["plan","pro"]]}', [["order", ["amount", ">", "100"], ["utm", "?", ""], ["plan", "=", "pro"]]]],
    ['{"anyOf":[{"type":"lead"},{"type":"order","filters":{"a]b":"x"}}]}', [["lead"], ["order", ["a]b", "=", "x"]]]],
  ] as const)("reads %s", (text, alternatives) => {
    const anyOf = alternatives.map(([type, ...filters]) => ({ type, filters: filters.map(([property, op, value]) => ({ property, op, value })) }));
    expect(parseStepText(text)).toEqual({ step: { anyOf } });
  });

  it.each([
    ["lead<=1h", "1h", "lead"],
    ["lead|order[amount<=5]<=30m", "30m", "lead|order[amount<=5]"],
    ["order[amount<=5]", undefined, "order[amount<=5]"],
    ['{"type":"lead","within":"2d"}', "2d", "lead"],
    ['{"anyOf":[{"type":"lead"},{"type":"order"}],"within":"10m"}', "10m", "lead|order"],
  ])("reads the per-step window of %s", (text, within, rest) => {
    const parsed = parseStepText(text);
    expect("step" in parsed && parsed.step.within).toBe(within ?? undefined);
    const back = "step" in parsed ? formatStepText(parsed.step) : "";
    expect(back).toBe(within === undefined ? rest : `${rest}<=${within}`);
  });

  it.each(["lead<=1w", "lead<=", "lead<=0m", '{"type":"lead","within":1}', '{"type":"lead","within":"x"}'])("refuses the per-step window of %s", (text) => {
    expect(parseStepText(text)).toHaveProperty("error");
  });

  it.each([
    ["", "must be an event type"],
    ["lead[plan]", "filter '[plan]' must be [property<op>value]"],
    ["lead[=x]", "filter '[=x]' must be [property<op>value]"],
    ["lead[a=1][a=2]", "filter property 'a' is given twice"],
    ["lead[a>1][a>2]", "filter property 'a' is given twice with >"],
    ["lead[a!x]", "filter '[a!x]' has an unknown operator"],
    ["lead[a>abc]", "the value of > must be a number"],
    ["lead[a<=1e400]", "the value of <= must be a number"],
    ["lead[a?x]", "? takes no value"],
    ["lead[a!?x]", "!? takes no value"],
    ["lead|", "must be an event type"],
    ["|lead", "must be an event type"],
    ['{"type":"lead","filters":[{"property":"a","op":"=~","value":"x"}]}', 'unknown operator "=~"'],
    ['{"type":"lead","filters":[{"property":"a","op":"?","value":""}]}', "? takes no value"],
    ['{"type":"lead","filters":[{"property":"a","op":">","value":"x"}]}', "must be a number"],
    ['{"anyOf":[{"type":"lead"}],"type":"x"}', 'must be {"type"'],
    ['{"anyOf":[{"anyOf":[]}]}', 'must be {"type"'],
    ["lead]", "must be an event type"],
    ["{nope", "is not valid JSON"],
    ['{"type":"lead","filters":[1]}', 'must be {"type"'],
  ])("refuses %j, saying why", (text, reason) => {
    const parsed = parseStepText(text);
    expect("error" in parsed && parsed.error).toContain(reason);
    expect(parseFunnelStep(text)).toEqual(parsed);
  });

  it("writes steps that read back the same, in brackets when they can hold them and JSON otherwise", () => {
    const op = fc.constantFrom(...contract.STEP_FILTER_OPS);
    const numberText = fc.oneof(fc.integer().map(String), fc.constantFrom("1.5", "-.5", "1e3", "+2"));
    const filter = fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), op, fc.string({ maxLength: 8 }), numberText).map(([property, op, text, number]): contract.StepFilterText => ({
      property,
      op,
      value: contract.PRESENCE_FILTER_OPS.includes(op) ? "" : contract.NUMERIC_FILTER_OPS.includes(op) ? number : text,
    }));
    const alternative = fc.record({ type: fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), filters: fc.uniqueArray(filter, { maxLength: 4, selector: (f) => `${f.op} ${f.property}` }) });
    fc.assert(
      fc.property(fc.array(alternative, { minLength: 1, maxLength: 3 }), (anyOf) => {
        const text = formatStepText({ anyOf });
        expect(parseStepText(text)).toEqual({ step: { anyOf } });
        const api = parseFunnelStep(text);
        if ("step" in api) expect(api.step).toEqual({ anyOf });
        const awkward = anyOf.some((a) => a.filters.some((f) => /[[\]|=!<>~?]/.test(f.property) || /[[\]]/.test(f.value)));
        expect(text.startsWith("{")).toBe(awkward);
      }),
    );
  });
});

describe("the contract's checks agree with the zod schemas", () => {
  const ok = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

  it("event types", () => {
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[a-zA-Z0-9_ -]{0,70}$/), fc.constant("x".repeat(64)), fc.constant("x".repeat(65))), (text) => {
        expect(isEventType(text)).toBe(ok(EventTypeSchema, text));
      }),
    );
  });

  it("channels and link channels", () => {
    for (const value of [...contract.CHANNELS, "icq", "", "Telegram", "toString", 1, null]) expect(isChannel(value)).toBe(ok(ChannelSchema, value));
    expect(contract.LINK_CHANNELS.filter((c) => ok(LinkChannelSchema, c))).toEqual([...contract.LINK_CHANNELS]);
    for (const channel of [...contract.LINK_CHANNELS, ...contract.UPDATE_CHANNELS]) expect(isChannel(channel)).toBe(true);
  });

  it("funnel windows: the grammar, the seconds and the 90-day bound", () => {
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[0-9]{0,7}[mhdsx]?$/), fc.constantFrom("90d", "91d", "2160h", "2161h", "129600m", "129601m", "0d", "7d")), (text) => {
        const parsed = FunnelWindowSchema.safeParse(text);
        expect(isFunnelWindow(text)).toBe(parsed.success);
        if (parsed.success) expect(funnelWindowSeconds(text)).toBe(parsed.data);
      }),
    );
  });

  it("time zones and the supported dates", () => {
    for (const tz of ["UTC", "Europe/Moscow", "europe/moscow", "Mars/Olympus", "", "x".repeat(65), "America/Argentina/ComodRivadavia"]) {
      expect(isValidTimeZone(tz), tz).toBe(ok(TimeZoneSchema, tz));
    }
    for (const date of ["1999-12-31", "2000-01-01", "2026-05-01", "2100-01-01", "2100-01-02"]) expect(contract.inSupportedDates(date)).toBe(ok(RangeBoundSchema, date));
  });

  it("link codes", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_\- .]{0,66}$/), (code) => {
        expect(contract.LINK_CODE_PATTERN.test(code)).toBe(ok(LinkCodeSchema, code));
      }),
    );
  });
});

const root = path.resolve(import.meta.dirname, "../..");
const sourcesOf = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourcesOf(full) : /\.tsx?$/.test(entry.name) ? [full] : [];
  });

describe("one home for the contract", () => {
  it("the dashboard takes only types from the zod schemas, so its bundle has no zod", () => {
    for (const file of sourcesOf(path.join(root, "dashboard/src"))) {
      const code = fs.readFileSync(file, "utf8");
      expect(code, file).not.toMatch(/from "zod"/);
      for (const [statement] of code.matchAll(/(?:import|export)\b[^;]*?from "@chatfunnel\/schemas"/g)) expect(statement, file).toMatch(/^(?:import|export) type /);
    }
  });

  it("the SDK and the dashboard hold no copy of the contract's lists and grammars", () => {
    const copies = [
      /"telegram",\s*"whatsapp",\s*"vk"/, // the channel list
      /"telegram",\s*"vk",\s*"whatsapp"/, // the link channels
      /"broadcast_sent",\s*"broadcast_delivered"/, // the reserved event types
      /"ordered",\s*"strict",\s*"any"/, // funnel modes
      /\[\^\[\\\]\]\+/, // the bracket step grammar
      /\{0,5\}\[mhd\]/, // the window grammar
      /\[a-z\]\[a-z0-9_\]/, // the event type grammar
      /\[ref:/, // the WhatsApp ref marker (prose aside)
      /timeZone: tz \}\);\s*return true/, // the time-zone check
      /1024 \* 1024/, // the batch byte limit
    ];
    for (const dir of ["sdk/src", "dashboard/src"]) {
      for (const file of sourcesOf(path.join(root, dir))) {
        const code = fs.readFileSync(file, "utf8").replace(/^\s*(?:\/\/|\*|\/\*\*).*$/gm, "");
        for (const copy of copies) expect(code, `${path.relative(root, file)} copies ${copy}`).not.toMatch(copy);
      }
    }
  });
});

describe("the contract package", () => {
  it("depends on nothing", () => {
    const dir = path.join(root, "contract");
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    for (const field of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) expect(manifest[field], field).toBeUndefined();
    for (const file of fs.readdirSync(path.join(dir, "src"))) {
      const code = fs.readFileSync(path.join(dir, "src", file), "utf8");
      for (const [, from] of code.matchAll(/from "([^"]+)"/g)) expect(from, file).toMatch(/^\.\//);
    }
  });
});
