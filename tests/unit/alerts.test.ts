import { describe, expect, it } from "vitest";
import { KeyStore, createLogger, createMetrics, type Storage } from "@chatfunnel/core";
import { ALERT_OVERVIEW_METRICS, OverviewFiguresSchema } from "@chatfunnel/schemas";
import { createApiRouter } from "../../api/src/app.js";
import { alertPeriods, localHourStart } from "../../api/src/alerts/periods.js";
import { alertText, type AlertTextInput } from "../../api/src/alerts/alert-text.js";
import { changePct, decide } from "../../api/src/alerts/evaluate-alert.js";
import { figureChanges } from "../../api/src/digests/digest-content.js";
import { digestText } from "../../api/src/digests/digest-text.js";
import { toDigestPeriod } from "../../api/src/digests/periods.js";
import type { DigestContent, OverviewFigures, ProjectLanguage } from "@chatfunnel/schemas";
import { openSavedFunnel, savedDefinitionOf } from "../../dashboard/src/funnel/saved-funnels.js";
import { SavedFunnelDefinitionSchema } from "@chatfunnel/schemas";

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe("alert periods", () => {
  it("a daily alert looks at the last calendar day of the zone, 23 or 25 hours long across DST", () => {
    // Europe/Berlin went to summer time on 2026-03-29 (a 23-hour day) and back on 2026-10-25 (25 hours).
    const spring = alertPeriods("daily", at("2026-03-30T08:00:00Z"), "Europe/Berlin");
    expect(spring).toEqual({ startMs: at("2026-03-28T23:00:00Z"), endMs: at("2026-03-29T22:00:00Z"), previousStartMs: at("2026-03-27T23:00:00Z") });
    expect(spring.endMs - spring.startMs).toBe(23 * HOUR);
    const autumn = alertPeriods("daily", at("2026-10-26T08:00:00Z"), "Europe/Berlin");
    expect(autumn.endMs - autumn.startMs).toBe(25 * HOUR);
    expect(autumn.startMs - autumn.previousStartMs).toBe(24 * HOUR);
    expect(alertPeriods("daily", at("2026-12-01T20:59:59Z"), "Europe/Moscow")).toEqual({ startMs: at("2026-11-29T21:00:00Z"), endMs: at("2026-11-30T21:00:00Z"), previousStartMs: at("2026-11-28T21:00:00Z") });
    expect(alertPeriods("daily", at("2026-12-01T21:00:00Z"), "Europe/Moscow").startMs).toBe(at("2026-11-30T21:00:00Z"));
  });

  it("an hourly alert looks at the last hour of the zone's clock, at :30 offsets too", () => {
    expect(alertPeriods("hourly", at("2026-12-01T10:15:00Z"), "UTC")).toEqual({ startMs: at("2026-12-01T09:00:00Z"), endMs: at("2026-12-01T10:00:00Z"), previousStartMs: at("2026-12-01T08:00:00Z") });
    expect(alertPeriods("hourly", at("2026-12-01T10:15:00Z"), "Asia/Kolkata")).toEqual({ startMs: at("2026-12-01T08:30:00Z"), endMs: at("2026-12-01T09:30:00Z"), previousStartMs: at("2026-12-01T07:30:00Z") });
    expect(localHourStart(at("2026-12-01T10:45:00Z"), "Asia/Kathmandu")).toBe(at("2026-12-01T10:15:00Z"));
  });
});

describe("alert conditions", () => {
  it("thresholds are strict, % ops fire at exactly their value, a previous 0 or no value never fires", () => {
    expect(decide({ op: "below", value: 10 }, 10, 0).fired).toBe(false);
    expect(decide({ op: "below", value: 10 }, 9.99, 0).fired).toBe(true);
    expect(decide({ op: "above", value: 10 }, 10, 0).fired).toBe(false);
    expect(decide({ op: "above", value: 10 }, 10.01, 0).fired).toBe(true);
    expect(decide({ op: "drops_by_pct", value: 20 }, 8, 10)).toMatchObject({ fired: true, changePct: -20 });
    expect(decide({ op: "drops_by_pct", value: 30 }, 0.7, 1)).toMatchObject({ fired: true, changePct: -30 });
    expect(decide({ op: "rises_by_pct", value: 10 }, 1.1, 1)).toMatchObject({ fired: true, changePct: 10 });
    expect(decide({ op: "rises_by_pct", value: 10 }, 1.0999, 1).fired).toBe(false);
    expect(decide({ op: "rises_by_pct", value: 10 }, 5, 0)).toMatchObject({ fired: false, changePct: null, reason: "the previous period is 0: no % change" });
    expect(decide({ op: "drops_by_pct", value: 10 }, 5, null).fired).toBe(false);
    expect(decide({ op: "below", value: 10 }, null, 3).fired).toBe(false);
    expect(changePct(3, 0)).toBeNull();
    expect(changePct(0, 4)).toBe(-100);
  });

  it("watches exactly the overview's figures", () => {
    expect([...ALERT_OVERVIEW_METRICS].sort()).toEqual(Object.keys(OverviewFiguresSchema.shape).sort());
  });
});

describe("alert text", () => {
  const input: AlertTextInput = {
    name: "CPL VK",
    metric: "cpl",
    filters: { channel: ["vk"], campaign: "black_friday" },
    condition: { op: "above", value: 300 },
    schedule: "daily",
    value: 512.5,
    previousValue: 250,
    changePct: 105,
    currency: "RUB",
    periodStartMs: at("2026-11-30T21:00:00Z"),
    periodEndMs: at("2026-12-01T21:00:00Z"),
    tz: "Europe/Moscow",
  };

  it("says what fired in English and in Russian", () => {
    expect(alertText("en", input)).toBe(
      ["🔔 CPL VK", "Cost per lead (CPL): 512.50 RUB — above 300.00 RUB", "Previous day: 250.00 RUB (+105 %)", "Filters: channel vk; campaign black_friday", "Day 01/12/2026 (Europe/Moscow)"].join("\n"),
    );
    expect(alertText("ru", input)).toBe(
      ["🔔 CPL VK", "Стоимость заявки (CPL): 512,50 RUB — выше 300,00 RUB", "Предыдущий день: 250,00 RUB (+105 %)", "Фильтры: канал vk; кампания black_friday", "День 01.12.2026 (Europe/Moscow)"].join("\n"),
    );
  });

  it("shows a funnel's conversion as a percentage and an hour as its span on the zone's clock", () => {
    const text = alertText("en", { ...input, metric: "funnel:fn_1", funnelName: "Start → lead", filters: {}, condition: { op: "drops_by_pct", value: 50 }, schedule: "hourly", value: 0.25, previousValue: 1, changePct: -75, currency: null, periodStartMs: at("2026-12-01T07:00:00Z"), periodEndMs: at("2026-12-01T08:00:00Z") });
    expect(text.split("\n")).toEqual(["🔔 CPL VK", "Conversion of the funnel “Start → lead”: 25% — dropped by at least 50 %", "Previous hour: 100% (-75 %)", "Hour 01/12/2026 10:00–11:00 (Europe/Moscow)"]);
  });
});

describe("overview figure labels", () => {
  const now: OverviewFigures = { users: 10, newUsers: 5, sessions: 12, leads: 4, orders: 2, revenue: { amount: 900, currency: "RUB" }, spend: { amount: 400, currency: "RUB" }, cpl: { amount: 100, currency: "RUB" }, cpo: { amount: 200, currency: "RUB" }, roas: 2.25, resolutionRate: 0.5 };
  const digest = (language: ProjectLanguage): DigestContent => ({
    schedule: "daily",
    language,
    name: "D",
    period: toDigestPeriod({ from: "2026-11-30", to: "2026-12-01" }, "UTC"),
    previousPeriod: toDigestPeriod({ from: "2026-11-29", to: "2026-11-30" }, "UTC"),
    current: now,
    previous: now,
    changes: figureChanges(now, now),
    currency: "RUB",
    bestChannel: null,
    worstChannel: null,
    spendWithoutLeads: [],
    chart: { days: [], leads: [], previousLeads: [] },
  });

  // One home (api/src/notify/overview-figure-labels.ts): an alert's figure line and the digest's line for it start alike.
  it.each(["en", "ru"] as const)("an alert and a digest name every overview figure alike (%s)", (language) => {
    const digestLines = digestText(digest(language)).split("\n");
    for (const metric of ALERT_OVERVIEW_METRICS) {
      const alertLine = alertText(language, { name: "A", metric, filters: {}, condition: { op: "above", value: 0 }, schedule: "daily", value: 1, previousValue: 1, changePct: 0, currency: null, periodStartMs: 0, periodEndMs: 86_400_000, tz: "UTC" }).split("\n")[1] ?? "";
      const label = alertLine.slice(0, alertLine.indexOf(": "));
      expect(label, metric).not.toBe("");
      expect(digestLines.filter((line) => line.startsWith(`${label}: `)), `${language} ${metric}: ${label}`).toHaveLength(1);
    }
  });
});

describe("openapi.json", () => {
  it("documents the saved funnel and alert routes with their key kinds", () => {
    const router = createApiRouter({ storage: {} as Storage, keys: new KeyStore({} as Storage, 0), metrics: createMetrics(), logger: createLogger("silent", "test") });
    const layer = (router as unknown as { stack: Array<{ route?: { path: string; stack: Array<{ handle: (req: unknown, res: unknown) => void }> } }> }).stack.find((l) => l.route?.path === "/api/v1/openapi.json");
    let doc: { paths: Record<string, Record<string, { security: Array<Record<string, unknown>>; requestBody?: unknown }>> } | undefined;
    layer!.route!.stack[0]!.handle({}, { json: (value: typeof doc) => (doc = value) });
    const paths = doc!.paths;
    expect(Object.keys(paths["/api/v1/funnels"]!).sort()).toEqual(["get", "post"]);
    expect(Object.keys(paths["/api/v1/funnels/{id}"]!).sort()).toEqual(["delete", "get", "put"]);
    expect(Object.keys(paths["/api/v1/alerts"]!).sort()).toEqual(["get", "post"]);
    expect(Object.keys(paths["/api/v1/alerts/{id}"]!).sort()).toEqual(["delete", "get", "patch"]);
    // A manage key (or a signed-in editor's session); never a read key.
    expect(paths["/api/v1/alerts/{id}/check"]!.post!.security).toEqual(expect.arrayContaining([{ manageKey: [] }]));
    expect(paths["/api/v1/alerts/{id}/check"]!.post!.security).not.toContainEqual({ readKey: [] });
    expect(paths["/api/v1/alerts/{id}/history"]!.get!.security).toEqual(expect.arrayContaining([{ readKey: [] }]));
    expect(JSON.stringify(paths["/api/v1/alerts"]!.post!.requestBody)).toContain("drops_by_pct");
  });
});

describe("saved funnels in the dashboard's URL", () => {
  it("opening one replaces exactly the funnel's parameters; saving takes the page's funnel and its exclusions", () => {
    const params = new URLSearchParams("range=30d&channel=vk&steps=a_b&steps=c_d&window=1d&dropoff=2&exclude=x_y");
    openSavedFunnel(params, { steps: ["bot_started", "lead[plan=pro]"], window: "3d", mode: "strict", breakdown: ["channel"] });
    expect([...params]).toEqual([["range", "30d"], ["channel", "vk"], ["steps", "bot_started"], ["steps", "lead[plan=pro]"], ["window", "3d"], ["mode", "strict"], ["breakdown", "channel"]]);
    const saved = savedDefinitionOf({ steps: ["bot_started", "lead"], window: "7d", mode: "ordered", breakdown: null }, new URLSearchParams("exclude=handoff:1-2"));
    expect(saved).toEqual({ steps: ["bot_started", "lead"], window: "7d", mode: "ordered", exclude: ["handoff:1-2"] });
    expect(SavedFunnelDefinitionSchema.safeParse(saved).success).toBe(true);
  });
});
