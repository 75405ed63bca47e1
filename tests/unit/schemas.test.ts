import { describe, expect, it } from "vitest";
import { BatchEnvelopeSchema, EventSchema, SpendRowSchema, eventJsonSchema, toFieldErrors } from "@chatfunnel/schemas";
import { makeEvent } from "../support/events.js";

const pathsOf = (value: unknown) => {
  const parsed = EventSchema.safeParse(value);
  return parsed.success ? [] : toFieldErrors(parsed.error).map((e) => e.path);
};

describe("EventSchema", () => {
  it("accepts a minimal event and a full one", () => {
    expect(EventSchema.safeParse(makeEvent()).success).toBe(true);
    const full = makeEvent({
      type: "order",
      sessionId: "s-1",
      source: { source: "tg_ads", medium: "cpc", campaign: "spring", content: "a", term: "b", payload: "src-tg_cmp-spring" },
      revenue: 1990.5,
      currency: "RUB",
      properties: { plan: "pro", items: 2, gift: false, coupon: null },
    });
    expect(EventSchema.safeParse(full).success).toBe(true);
  });

  it("accepts custom snake_case types", () => {
    expect(EventSchema.safeParse(makeEvent({ type: "quiz_finished" })).success).toBe(true);
  });

  it.each([
    ["id", { id: "not-a-uuid" }],
    ["type", { type: "Lead" }],
    ["type", { type: "has space" }],
    ["type", { type: "x".repeat(65) }],
    ["channel", { channel: "icq" }],
    ["botId", { botId: "" }],
    ["userId", { userId: "u".repeat(129) }],
    ["sessionId", { sessionId: "" }],
    ["timestamp", { timestamp: "2026-05-01 10:00:00" }],
    ["timestamp", { timestamp: "2026-05-01T10:00:00" }],
    ["timestamp", { timestamp: "1999-12-31T23:59:59Z" }],
    ["timestamp", { timestamp: new Date(Date.now() + 3 * 86_400_000).toISOString() }],
    ["revenue", { revenue: -1, currency: "RUB" }],
    ["revenue", { revenue: 1e14, currency: "RUB" }],
    ["currency", { revenue: 10 }],
    ["currency", { revenue: 10, currency: "rub" }],
    ["source.campaign", { source: { campaign: "x".repeat(257) } }],
    ["source.utm", { source: { utm: "x" } }],
    ["properties.nested", { properties: { nested: { a: 1 } } }],
  ])("rejects a bad %s and names it", (path, overrides) => {
    expect(pathsOf({ ...makeEvent(), ...overrides })).toContain(path);
  });

  it("rejects unknown top-level fields, naming them (a typo must not be dropped silently)", () => {
    const errors = EventSchema.safeParse({ ...makeEvent(), user_id: "u" });
    expect(errors.success).toBe(false);
    expect(JSON.stringify(errors.error?.issues)).toContain("user_id");
  });

  it("rejects more than 64 properties", () => {
    const properties = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i]));
    expect(pathsOf(makeEvent({ properties }))).toContain("properties");
  });

  it("reports every problem of one event at once", () => {
    expect(pathsOf({ type: "lead" }).sort()).toEqual(["botId", "channel", "id", "timestamp", "userId"]);
  });
});

describe("BatchEnvelopeSchema", () => {
  it("takes 1 to 1000 events of any shape (each is validated on its own)", () => {
    expect(BatchEnvelopeSchema.safeParse({ events: [1, "x"] }).success).toBe(true);
    expect(BatchEnvelopeSchema.safeParse({ events: [] }).success).toBe(false);
    expect(BatchEnvelopeSchema.safeParse({ events: new Array(1001).fill({}) }).success).toBe(false);
    expect(BatchEnvelopeSchema.safeParse([makeEvent()]).success).toBe(false);
  });
});

describe("SpendRowSchema", () => {
  it("validates date, channel, amount and currency", () => {
    expect(SpendRowSchema.safeParse({ date: "2026-05-01", channel: "vk", amount: 1000, currency: "RUB" }).success).toBe(true);
    expect(SpendRowSchema.safeParse({ date: "2026-13-01", channel: "vk", amount: 1000, currency: "RUB" }).success).toBe(false);
    expect(SpendRowSchema.safeParse({ date: "2026-05-01", channel: "vk", amount: -1, currency: "RUB" }).success).toBe(false);
  });
});

describe("JSON Schema export", () => {
  it("describes the event for bots not written in TypeScript", () => {
    const schema = eventJsonSchema() as { required: string[]; properties: Record<string, unknown>; additionalProperties: boolean };
    expect(schema.required.sort()).toEqual(["botId", "channel", "id", "timestamp", "type", "userId"]);
    expect(Object.keys(schema.properties)).toContain("source");
    expect(schema.additionalProperties).toBe(false);
  });
});
