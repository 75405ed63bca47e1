import { describe, expect, it } from "vitest";
import { DIGEST_SEND_HOUR, addDays, lastFullPeriod, latestDuePeriod, localDateOf, nextSendTimeMs, previousPeriod, sendTimeMs, toDigestPeriod } from "../../api/src/digests/periods.js";
import { figureChanges, rankChannelsByCpl } from "../../api/src/digests/digest-content.js";
import { digestText, periodLabel } from "../../api/src/digests/digest-text.js";
import { fitsCaption } from "../../api/src/digests/deliver-digest.js";
import type { ChannelFigures, DigestContent, OverviewFigures } from "@chatfunnel/schemas";

/** A digest's periods on the civil calendar of the project's zone, DST included, and the pieces built on them. */
describe("digest periods", () => {
  it("a day is local midnight to midnight, 23 hours on the spring DST day", () => {
    const day = toDigestPeriod({ from: "2026-03-29", to: "2026-03-30" }, "Europe/Berlin");
    expect(day).toEqual({ from: "2026-03-29", to: "2026-03-30", tz: "Europe/Berlin", fromUtc: "2026-03-28T23:00:00.000Z", toUtc: "2026-03-29T22:00:00.000Z" });
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
  });

  it("the last full period: yesterday, or last Monday to Monday, in the zone's date", () => {
    // 2026-12-01 22:30 UTC is already Wednesday 01:30 in Moscow.
    const now = Date.parse("2026-12-01T22:30:00Z");
    expect(localDateOf(now, "Europe/Moscow")).toBe("2026-12-02");
    expect(lastFullPeriod("daily", now, "Europe/Moscow")).toEqual({ from: "2026-12-01", to: "2026-12-02" });
    expect(lastFullPeriod("daily", now, "UTC")).toEqual({ from: "2026-11-30", to: "2026-12-01" });
    expect(lastFullPeriod("weekly", now, "Europe/Moscow")).toEqual({ from: "2026-11-23", to: "2026-11-30" });
    // On a Monday the week just ended is the last full one.
    expect(lastFullPeriod("weekly", Date.parse("2026-11-30T00:30:00+03:00"), "Europe/Moscow")).toEqual({ from: "2026-11-23", to: "2026-11-30" });
    expect(previousPeriod("weekly", { from: "2026-11-23", to: "2026-11-30" })).toEqual({ from: "2026-11-16", to: "2026-11-23" });
  });

  it("a period is due from 09:00 local the day after it; before that the one before is the latest due", () => {
    const tz = "Europe/Berlin";
    const monday9 = Date.parse("2026-03-30T09:00:00+02:00");
    expect(DIGEST_SEND_HOUR).toBe(9);
    expect(sendTimeMs({ from: "2026-03-29", to: "2026-03-30" }, tz)).toBe(monday9);
    expect(latestDuePeriod("daily", monday9 - 1, tz)).toEqual({ from: "2026-03-28", to: "2026-03-29" });
    expect(latestDuePeriod("daily", monday9, tz)).toEqual({ from: "2026-03-29", to: "2026-03-30" });
    expect(latestDuePeriod("weekly", monday9 - 1, tz)).toEqual({ from: "2026-03-16", to: "2026-03-23" });
    expect(latestDuePeriod("weekly", monday9, tz)).toEqual({ from: "2026-03-23", to: "2026-03-30" });
    expect(nextSendTimeMs("daily", monday9, tz)).toBe(Date.parse("2026-03-31T09:00:00+02:00"));
    expect(nextSendTimeMs("weekly", monday9 - 1, tz)).toBe(monday9);
    expect(nextSendTimeMs("weekly", monday9, tz)).toBe(Date.parse("2026-04-06T09:00:00+02:00"));
  });
});

const figures = (overrides: Partial<OverviewFigures> = {}): OverviewFigures => ({
  users: 10,
  newUsers: 5,
  sessions: 12,
  leads: 4,
  orders: 0,
  revenue: { amount: 0, currency: "RUB" },
  spend: { amount: 400, currency: "RUB" },
  cpl: { amount: 100, currency: "RUB" },
  cpo: null,
  roas: null,
  resolutionRate: 0.5,
  ...overrides,
});

const channel = (name: ChannelFigures["channel"], spend: number, leads: number): ChannelFigures => ({
  channel: name,
  users: 1,
  newUsers: 1,
  sessions: 1,
  leads,
  orders: 0,
  revenue: { amount: 0, currency: "RUB" },
  spend: { amount: spend, currency: "RUB" },
  cpl: leads === 0 ? null : { amount: spend / leads, currency: "RUB" },
  cpo: null,
  leadConversion: null,
  returningShare: null,
});

describe("digest figures and text", () => {
  it("changes: relative, none without a base, the resolution rate in points", () => {
    const changes = figureChanges(figures(), figures({ users: 8, leads: 0, cpl: null, resolutionRate: 0.4, orders: 0 }));
    expect(changes.users).toBe(0.25);
    expect(changes.leads).toBeNull();
    expect(changes.cpl).toBeNull();
    expect(changes.orders).toBeNull();
    expect(changes.resolutionRate).toBe(0.1);
    expect(changes.spend).toBe(0);
  });

  it("CPL ranking: only spend with leads; equal CPLs by name; spend without leads apart; no spend not ranked", () => {
    const ranked = rankChannelsByCpl([channel("vk", 200, 2), channel("telegram", 100, 1), channel("whatsapp", 50, 0), channel("max", 0, 3), channel("viber", 900, 3)]);
    expect(ranked.bestChannel?.channel).toBe("telegram");
    expect(ranked.worstChannel?.channel).toBe("viber");
    expect(ranked.spendWithoutLeads).toEqual([{ channel: "whatsapp", spend: { amount: 50, currency: "RUB" } }]);
    expect(rankChannelsByCpl([channel("max", 0, 3)])).toEqual({ bestChannel: null, worstChannel: null, spendWithoutLeads: [] });
    expect(rankChannelsByCpl([channel("vk", 100, 1)]).worstChannel).toBeNull();
  });

  it("the text escapes names, formats by language, and a weekly period reads as its Monday to Sunday", () => {
    const content: DigestContent = {
      schedule: "weekly",
      language: "en",
      name: "A & B <shop>",
      period: toDigestPeriod({ from: "2026-11-23", to: "2026-11-30" }, "UTC"),
      previousPeriod: toDigestPeriod({ from: "2026-11-16", to: "2026-11-23" }, "UTC"),
      current: figures(),
      previous: figures({ leads: 2 }),
      changes: figureChanges(figures(), figures({ leads: 2 })),
      currency: "RUB",
      bestChannel: null,
      worstChannel: null,
      spendWithoutLeads: [],
      chart: { days: [], leads: [], previousLeads: [] },
    };
    const text = digestText(content);
    expect(text.split("\n")[0]).toBe("<b>A &amp; B &lt;shop&gt;</b>");
    expect(text).toContain("Leads: 4 (+100%)");
    expect(text).toContain("Bot resolution rate: 50% (0 pp)");
    expect(periodLabel(content).replace(/\s/g, " ")).toBe("Nov 23 – 29, 2026");
    expect(periodLabel({ ...content, language: "ru" }).replace(/\s/g, " ")).toBe("23–29 нояб. 2026 г.");
    expect(fitsCaption(text)).toBe(true);
    // A change under half a percent is shown unsigned.
    const tiny = digestText({ ...content, changes: { ...content.changes, leads: -0.004, users: 0.004 } });
    expect(tiny).toContain("Leads: 4 (0%)");
    expect(tiny).toContain("Users: 10 (0%)");
    expect(fitsCaption("x".repeat(1025))).toBe(false);
  });
});
