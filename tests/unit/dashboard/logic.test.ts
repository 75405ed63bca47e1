import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CHANNELS, DEFAULT_FUNNEL_WINDOW as SCHEMA_WINDOW, MAX_DROPOFF_LIMIT as SCHEMA_DROPOFF, MAX_FUNNEL_STEPS as SCHEMA_MAX_STEPS, MAX_STEP_FILTERS as SCHEMA_MAX_FILTERS, MIN_FUNNEL_STEPS as SCHEMA_MIN_STEPS, parseFunnelStep } from "@chatfunnel/schemas";
import { CHANNEL_OPTIONS, parseFilters, presetRange, toApiFilters, writeFilters } from "../../../dashboard/src/filters/filters.js";
import { createFormat, formatDuration } from "../../../dashboard/src/i18n/format.js";
import { initialLocale } from "../../../dashboard/src/i18n/i18n.js";
import { en, ru } from "../../../dashboard/src/i18n/messages.js";
import { FILTER_OPS, isNumericOp, parseFunnelParams, stepToText, takesValue, textToStep, writeFunnelParams } from "../../../dashboard/src/funnel/definition.js";
import * as limits from "../../../dashboard/src/funnel/limits.js";
import { relativeChange } from "../../../dashboard/src/pages/OverviewPage.js";

describe("filters in the URL", () => {
  const now = new Date("2026-03-29T21:30:00Z"); // already March 30 in Moscow

  it("resolves presets on the calendar of the chosen time zone", () => {
    expect(parseFilters(new URLSearchParams("range=7d&tz=Europe/Moscow"), now)).toMatchObject({ preset: "7d", from: "2026-03-24", to: "2026-03-30" });
    expect(parseFilters(new URLSearchParams("range=7d&tz=UTC"), now)).toMatchObject({ from: "2026-03-23", to: "2026-03-29" });
    expect(presetRange("lastMonth", "2026-03-30")).toEqual({ from: "2026-02-01", to: "2026-02-28" });
    expect(presetRange("thisMonth", "2026-03-30")).toEqual({ from: "2026-03-01", to: "2026-03-30" });
    expect(presetRange("lastMonth", "2026-01-15")).toEqual({ from: "2025-12-01", to: "2025-12-31" });
  });

  it("falls back to defaults for anything malformed", () => {
    const f = parseFilters(new URLSearchParams("range=forever&tz=Mars/Olympus&channel=pigeon&channel=vk&from=2026-02-30"), now, "UTC");
    expect(f).toMatchObject({ preset: "30d", tz: "UTC", channels: ["vk"] });
    // A reversed custom range is not a range.
    expect(parseFilters(new URLSearchParams("from=2026-03-10&to=2026-03-01&tz=UTC"), now).preset).toBe("30d");
  });

  it("sends [from, to) to the API: the last day is included", () => {
    const f = parseFilters(new URLSearchParams("from=2026-12-01&to=2026-12-31&tz=UTC&bot=b&channel=vk&channel=telegram"), now);
    expect(toApiFilters(f)).toEqual({ from: "2026-12-01", to: "2027-01-01", tz: "UTC", channel: ["telegram", "vk"], botId: "b" });
  });

  it("round-trips through the query string and keeps page parameters", () => {
    const day = fc.integer({ min: 0, max: 3000 }).map((n) => new Date(Date.UTC(2020, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(
        fc.record({
          preset: fc.constantFrom("7d", "30d", "90d", "thisMonth", "lastMonth", "custom"),
          a: day,
          b: day,
          tz: fc.constantFrom("UTC", "Europe/Moscow", "Asia/Vladivostok", "America/New_York"),
          channels: fc.uniqueArray(fc.constantFrom(...CHANNEL_OPTIONS)),
          botId: fc.string({ maxLength: 8 }),
          campaign: fc.string({ maxLength: 8 }),
        }),
        ({ preset, a, b, tz, channels, botId, campaign }) => {
          const [from, to] = a <= b ? [a, b] : [b, a];
          const start = new URLSearchParams("interval=week&by=campaign");
          const filters = parseFilters(writeFilters(start, { preset, from, to, tz, channels, botId, campaign }), now);
          const written = writeFilters(start, filters);
          expect(parseFilters(written, now)).toEqual(filters);
          expect(filters.channels).toEqual(channels);
          expect(filters.botId).toBe(botId);
          expect(written.get("interval")).toBe("week");
          if (preset === "custom") expect([filters.from, filters.to]).toEqual([from, to]);
        },
      ),
    );
  });

  it("offers exactly the channels of the event schema", () => {
    expect([...CHANNEL_OPTIONS]).toEqual([...CHANNELS]);
  });
});

describe("formatting per locale", () => {
  it("shows rubles as ₽ in both languages", () => {
    expect(createFormat("en").money({ amount: 1234.5, currency: "RUB" })).toBe("₽1,234.50");
    expect(createFormat("ru").money({ amount: 1234.5, currency: "RUB" }).replace(/\s/g, " ")).toBe("1 234,50 ₽");
    expect(createFormat("en").money({ amount: 10, currency: "USD" })).toBe("$10.00");
    expect(createFormat("en").money(null)).toBe("—");
  });

  it("shows rates, changes, ratios and durations", () => {
    const f = createFormat("en");
    expect(f.percent(0.1234)).toBe("12.3%");
    expect(f.percent(null)).toBe("—");
    expect(f.change(0.05)).toBe("+5%");
    expect(f.change(-0.2)).toBe("-20%");
    expect(f.ratio(2.456)).toBe("2.46×");
    // A mean score keeps its decimals: 3.9973 is not shown as a bare 4.
    expect(f.fixed(3.9973, 2)).toBe("4.00");
    expect(createFormat("ru").fixed(4.256, 2)).toBe("4,26");
    expect(formatDuration(0, "en")).toBe("0 s");
    expect(formatDuration(0.35, "en")).toBe("0.4 s");
    expect(formatDuration(0.35, "ru")).toBe("0,4 с");
    expect(formatDuration(59.99, "en")).toBe("1 min");
    expect(formatDuration(3 * 86400 + 5 * 3600 + 59, "en")).toBe("3 d 5 h");
    expect(formatDuration(3600 + 30, "ru")).toBe("1 ч");
    expect(createFormat("ru").percent(0.5).replace(/\s/g, " ")).toBe("50 %");
  });

  it("computes the change against the previous period without dividing by zero", () => {
    expect(relativeChange(120, 100)).toBeCloseTo(0.2);
    expect(relativeChange(5, 0)).toBeNull();
    expect(relativeChange(null, 3)).toBeNull();
  });
});

describe("messages", () => {
  it("Russian has every English message with the same placeholders", () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    const holes = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as Array<keyof typeof en>) expect(holes(ru[key]), key).toEqual(holes(en[key]));
  });

  it("follows the browser language unless the user chose one", () => {
    expect(initialLocale(null, ["ru-RU", "en"])).toBe("ru");
    expect(initialLocale(null, ["de-DE", "en-GB"])).toBe("en");
    expect(initialLocale(null, ["uk-UA"])).toBe("en");
    expect(initialLocale("ru", ["en-US"])).toBe("ru");
    expect(initialLocale("xx", ["ru"])).toBe("ru");
  });
});

describe("funnel steps as the API spells them", () => {
  const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);
  const value = fc.string({ maxLength: 12 });

  const filterArb = fc
    .tuple(fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k.trim() !== ""), fc.constantFrom(...FILTER_OPS), value, fc.integer({ min: -1000, max: 1000 }))
    .map(([key, op, text, number]) => ({ key, op, value: !takesValue(op) ? "" : isNumericOp(op) ? String(number) : text, editing: false }));
  const alternativeArb = fc.record({ type: word, filters: fc.uniqueArray(filterArb, { maxLength: 4, selector: (f) => `${f.op} ${f.key}` }) });

  it("write what the API's parser reads back as the same step, brackets, operators, alternatives and all", () => {
    fc.assert(
      fc.property(fc.array(alternativeArb, { minLength: 1, maxLength: 3 }), fc.option(fc.constantFrom("30m", "12h", "90d")), (alternatives, window) => {
        const within = window === null ? null : { amount: window.slice(0, -1), unit: window.slice(-1) };
        const text = stepToText({ alternatives, within });
        const parsed = parseFunnelStep(text);
        const anyOf = alternatives.map((a) => ({ type: a.type, filters: a.filters.map((f) => ({ property: f.key, op: f.op, value: f.value })) }));
        expect(parsed).toEqual({ step: window === null ? { anyOf } : { anyOf, within: window } });
        expect(textToStep(text)).toEqual({ alternatives, within });
      }),
    );
  });

  it("keep property names that are also Object.prototype members", () => {
    const step = { alternatives: [{ type: "order", filters: [{ key: "toString", op: "=" as const, value: "x", editing: false }, { key: "constructor", op: "=" as const, value: "", editing: false }] }], within: null };
    const text = stepToText(step);
    expect(text).toBe("order[toString=x][constructor=]");
    const parsed = parseFunnelStep(text);
    expect("step" in parsed && parsed.step.anyOf[0]!.filters.map((f) => [f.property, f.value])).toEqual([["toString", "x"], ["constructor", ""]]);
  });

  it("reads the funnel from the URL with defaults and writes it back", () => {
    const definition = parseFunnelParams(new URLSearchParams("steps=lead&steps=order%5Bplan%3Dpro%5D&window=2d&mode=strict&breakdown=campaign"));
    expect(definition).toEqual({ steps: ["lead", "order[plan=pro]"], window: "2d", mode: "strict", breakdown: "campaign" });
    expect(parseFunnelParams(writeFunnelParams(new URLSearchParams("range=7d"), definition))).toEqual(definition);
    expect(parseFunnelParams(new URLSearchParams("steps=lead&window=forever&mode=x"))).toEqual({ steps: ["bot_started", "message_received", "lead", "order"], window: "7d", mode: "ordered", breakdown: null });
    // A property breakdown and where its value comes from; a step the funnel lacks, or a fixed dimension, takes none.
    const byPlan = parseFunnelParams(new URLSearchParams("steps=lead&steps=order&breakdown=properties.plan&breakdownAttribution=step:2"));
    expect(byPlan).toEqual({ steps: ["lead", "order"], window: "7d", mode: "ordered", breakdown: "properties.plan", breakdownAttribution: "step:2" });
    expect(parseFunnelParams(writeFunnelParams(new URLSearchParams(), byPlan))).toEqual(byPlan);
    expect(parseFunnelParams(new URLSearchParams("steps=lead&steps=order&breakdown=properties.plan&breakdownAttribution=step:3"))).not.toHaveProperty("breakdownAttribution");
    expect(parseFunnelParams(new URLSearchParams("breakdown=channel&breakdownAttribution=step:1"))).not.toHaveProperty("breakdownAttribution");
    expect(parseFunnelParams(new URLSearchParams("breakdown=properties.")).breakdown).toBeNull();
    expect(parseFunnelParams(new URLSearchParams(`breakdown=properties.${"x".repeat(129)}`)).breakdown).toBeNull();
    // Past the API's 90 days: the default, as for any window the API would refuse.
    expect(parseFunnelParams(new URLSearchParams("window=91d")).window).toBe("7d");
    expect(parseFunnelParams(new URLSearchParams("window=90d")).window).toBe("90d");
  });

  it("mirror the schema's limits (the browser bundle does not import zod)", () => {
    expect(limits).toMatchObject({ MAX_DROPOFF_LIMIT: SCHEMA_DROPOFF, MIN_FUNNEL_STEPS: SCHEMA_MIN_STEPS, MAX_FUNNEL_STEPS: SCHEMA_MAX_STEPS, MAX_STEP_FILTERS: SCHEMA_MAX_FILTERS, DEFAULT_FUNNEL_WINDOW: SCHEMA_WINDOW });
  });
});
