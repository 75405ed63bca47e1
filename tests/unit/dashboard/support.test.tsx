// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { SupportMixBucket, SupportResponse } from "@chatfunnel/schemas";
import { json, renderApp } from "./harness.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const bucket = (date: string, sessions: number, shares: [number, number, number, number] | null): SupportMixBucket => ({
  bucket: date,
  sessions,
  paymentShare: shares && shares[0],
  leadShare: shares && shares[1],
  surveyShare: shares && shares[2],
  handoffShare: shares && shares[3],
});

const answer = (interval: string): SupportResponse => ({
  range: { from: "2026-05-01T00:00:00.000Z", to: "2026-05-04T00:00:00.000Z", tz: "UTC" },
  interval: interval === "week" ? "week" : "day",
  requests: 400,
  containedRate: 0.75,
  resolvedRate: 0.6,
  botResolvedRate: 0.5,
  handoffRate: 0.25,
  resolved: 240,
  reopened: 12,
  reopenedRate: 0.05,
  botAnsweredSessions: 380,
  medianBotFirstResponseSeconds: 2.5,
  operatorAnsweredSessions: 90,
  medianOperatorFirstResponseSeconds: 420,
  csat: {
    responses: 50,
    mean: 4.26,
    distribution: [
      { rating: "1", responses: 2 },
      { rating: "2", responses: 3 },
      { rating: "3", responses: 5 },
      { rating: "4", responses: 10 },
      { rating: "5", responses: 30 },
    ],
  },
  mix:
    interval === "week"
      ? [bucket("2026-04-27", 700, [0.1, 0.2, 0.05, 0.2])]
      : [bucket("2026-05-01", 200, [0.1, 0.2, 0.05, 0.25]), bucket("2026-05-02", 0, null), bucket("2026-05-03", 500, [0.3, 0.1, 0.2, 0.15])],
});
const answers = { support: (url: URL) => json(answer(url.searchParams.get("interval") ?? "day")) };
const URL_3_DAYS = "/support?from=2026-05-01&to=2026-05-03&tz=UTC";

describe("support page", () => {
  it("shows the rates, the bot's and the people's first response, CSAT with its ratings, and the mix per day", async () => {
    const app = renderApp({ url: URL_3_DAYS, answers });
    const kpis = await screen.findByTestId("support-kpis");
    const kpi = (metric: string) => kpis.querySelector(`[data-metric="${metric}"]`)?.textContent;
    expect(kpi("requests")).toBe("400");
    expect(kpi("containedRate")).toBe("75%");
    expect(kpi("resolvedRate")).toBe("60%");
    expect(kpi("botResolvedRate")).toBe("50%");
    expect(kpi("handoffRate")).toBe("25%");
    expect(kpi("reopenedRate")).toBe("5%");
    expect(screen.getByTestId("kpi-reopenedRate").textContent).toContain("12 of 240 resolved");
    expect(kpi("medianBotFirstResponseSeconds")).toBe("2.5 s");
    expect(kpi("medianOperatorFirstResponseSeconds")).toBe("7 min");
    expect(screen.getByTestId("kpi-medianOperatorFirstResponseSeconds").textContent).toContain("over 90 answered requests");
    expect(kpi("csatMean")).toBe("4.26");
    expect(screen.getByTestId("kpi-csatMean").textContent).toContain("50 ratings");

    const csat = screen.getByTestId("csat-distribution");
    const rows = [...csat.querySelectorAll("tbody tr")].map((tr) => [tr.getAttribute("data-rating"), tr.querySelector('[data-metric="responses"]')?.textContent, tr.querySelector('[data-metric="share"]')?.textContent]);
    expect(rows).toEqual([
      ["5", "30", "60%"],
      ["4", "10", "20%"],
      ["3", "5", "10%"],
      ["2", "3", "6%"],
      ["1", "2", "4%"],
    ]);

    const mix = screen.getByRole("group", { name: "Share of sessions per day: payments, leads, surveys, handoffs" });
    const cells = (date: string) => [...mix.querySelectorAll(`tr[data-bucket="${date}"] td`)].map((td) => td.textContent);
    expect(cells("2026-05-01")).toEqual(["200", "10%", "20%", "5%", "25%"]);
    // An empty day is listed with its shares unknown, not 0 %.
    expect(cells("2026-05-02")).toEqual(["0", "—", "—", "—", "—"]);
    expect(cells("2026-05-03")).toEqual(["500", "30%", "10%", "20%", "15%"]);
    const request = app.requestsTo("support")[0]!;
    expect(request.searchParams.get("interval")).toBe("day");
    expect(request.searchParams.get("tz")).toBe("UTC");
  });

  it("asks for weeks when the interval changes, kept in the URL", async () => {
    const app = renderApp({ url: URL_3_DAYS, answers });
    await screen.findByTestId("support-kpis");
    await userEvent.selectOptions(screen.getByLabelText("Interval"), "week");
    expect(new URL(window.location.href).searchParams.get("interval")).toBe("week");
    const mix = await screen.findByRole("group", { name: "Share of sessions per week: payments, leads, surveys, handoffs" });
    await waitFor(() => expect(mix.querySelector('tr[data-bucket="2026-04-27"] td')?.textContent).toBe("700"));
    expect(app.requestsTo("support").at(-1)!.searchParams.get("interval")).toBe("week");
  });

  it("says a figure with no denominator is unknown", async () => {
    const empty: SupportResponse = { ...answer("day"), requests: 0, containedRate: null, reopenedRate: null, medianOperatorFirstResponseSeconds: null, csat: { responses: 0, mean: null, distribution: answer("day").csat.distribution.map((r) => ({ ...r, responses: 0 })) } };
    renderApp({ url: URL_3_DAYS, answers: { support: empty } });
    const kpis = await screen.findByTestId("support-kpis");
    expect(kpis.querySelector('[data-metric="containedRate"]')?.textContent).toBe("—");
    expect(kpis.querySelector('[data-metric="medianOperatorFirstResponseSeconds"]')?.textContent).toBe("—");
    expect(kpis.querySelector('[data-metric="csatMean"]')?.textContent).toBe("—");
    expect(screen.getByTestId("csat-distribution").querySelector('tr[data-rating="5"] [data-metric="share"]')?.textContent).toBe("—");
  });

  it("speaks Russian", async () => {
    renderApp({ url: URL_3_DAYS, answers, locale: "ru" });
    await screen.findByTestId("support-kpis");
    expect(screen.getByRole("link", { name: "Поддержка" })).toBeTruthy();
    expect(screen.getByText("Первый ответ оператора после передачи (медиана)")).toBeTruthy();
    expect(screen.getByRole("group", { name: "Доля сессий по дням: оплаты, лиды, опросы, передачи оператору" })).toBeTruthy();
  });
});
