// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { json, renderApp } from "./harness.js";
import { figures, overview, timeseries } from "./fixtures.js";

afterEach(cleanup);

const trendAnswers = {
  timeseries: (url: URL) => json(timeseries(url.searchParams.get("metric") as "users", [3, 5, 8])),
};

describe("overview page", () => {
  it("shows every KPI formatted for the locale with its change against the previous period", async () => {
    renderApp({ url: "/?range=30d&tz=UTC", answers: { overview: overview(), ...trendAnswers } });
    const cards = await screen.findByTestId("overview");
    const value = (metric: string) => within(cards).getByTestId(`kpi-${metric}`).querySelector("[data-metric]")?.textContent;
    expect(value("users")).toBe("1,234");
    expect(value("revenue")).toBe("₽125,000.00");
    expect(value("cpl")).toBe("₽500.00");
    expect(value("roas")).toBe("2.5×");
    expect(value("resolutionRate")).toBe("62.5%");
    // users 1000 → 1234 is +23.4 %, good news; CPL 625 → 500 is −20 %, also good news.
    const users = within(cards).getByTestId("kpi-users");
    expect(users.textContent).toContain("+23.4%");
    expect(users.querySelector(".kpi-change")?.className).toContain("good");
    const cpl = within(cards).getByTestId("kpi-cpl");
    expect(cpl.textContent).toContain("-20%");
    expect(cpl.querySelector(".kpi-change")?.className).toContain("good");
  });

  it("formats in Russian with the ruble sign after the amount", async () => {
    renderApp({ url: "/?range=30d&tz=UTC", locale: "ru", answers: { overview: overview(), ...trendAnswers } });
    await screen.findByTestId("overview");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Обзор");
    const revenue = screen.getByTestId("kpi-revenue").querySelector("[data-metric]")?.textContent ?? "";
    expect(revenue.replace(/\s/g, " ")).toBe("125 000,00 ₽");
  });

  it("shows a dash for ratios without a denominator and says when there is no previous period", async () => {
    renderApp({ url: "/?range=30d&tz=UTC", answers: { overview: overview(figures({ leads: 0, cpl: null, resolutionRate: null }), null), ...trendAnswers } });
    await screen.findByTestId("overview");
    expect(screen.getByTestId("kpi-cpl").querySelector("[data-metric]")?.textContent).toBe("—");
    expect(screen.getByTestId("kpi-resolutionRate").querySelector("[data-metric]")?.textContent).toBe("—");
    expect(screen.getByTestId("kpi-users").textContent).toContain("no previous data");
  });

  it("lists money in other currencies beside the figures, unconverted", async () => {
    renderApp({ url: "/?range=30d&tz=UTC", answers: { overview: { ...overview(), otherCurrencies: [{ currency: "USD", revenue: 100, spend: 50 }] }, ...trendAnswers } });
    expect((await screen.findByTestId("other-currencies")).textContent).toBe("Also in other currencies (not converted): $100.00 / $50.00");
  });

  it("asks the API with the URL's filters, the range end made exclusive", async () => {
    const app = renderApp({ url: "/?from=2026-05-01&to=2026-05-31&tz=Europe%2FMoscow&channel=vk&channel=telegram&bot=shop&campaign=spring", answers: { overview: overview(), ...trendAnswers } });
    await screen.findByTestId("overview");
    const [request] = app.requestsTo("overview");
    expect(request?.searchParams.get("from")).toBe("2026-05-01");
    expect(request?.searchParams.get("to")).toBe("2026-06-01");
    expect(request?.searchParams.get("tz")).toBe("Europe/Moscow");
    expect(request?.searchParams.getAll("channel")).toEqual(["telegram", "vk"]);
    expect(request?.searchParams.get("botId")).toBe("shop");
    expect(request?.searchParams.get("campaign")).toBe("spring");
    await waitFor(() => expect(app.requestsTo("timeseries").map((u) => u.searchParams.get("metric")).sort()).toEqual(["leads", "revenue", "sessions", "users"]));
  });

  it("puts a filter change in the URL, asks again, and keeps the old numbers on screen meanwhile", async () => {
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const app = renderApp({
      url: "/?range=30d&tz=UTC",
      answers: {
        overview: async (url: URL) => {
          if (url.searchParams.getAll("channel").includes("whatsapp")) {
            await slow;
            return json(overview(figures({ users: 77 })));
          }
          return json(overview());
        },
        ...trendAnswers,
      },
    });
    await screen.findByTestId("overview");
    await userEvent.click(screen.getByRole("checkbox", { name: "WhatsApp" }));
    expect(new URL(window.location.href).searchParams.getAll("channel")).toEqual(["whatsapp"]);
    // While the new answer is on its way the previous cards stay, marked as updating.
    await screen.findByText("Updating…");
    expect(screen.getByTestId("kpi-users").querySelector("[data-metric]")?.textContent).toBe("1,234");
    release();
    await waitFor(() => expect(screen.getByTestId("kpi-users").querySelector("[data-metric]")?.textContent).toBe("77"));
    expect(app.requestsTo("overview").length).toBe(2);
  });

  it("asks for the trends only once the headline figures have arrived", async () => {
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const app = renderApp({ url: "/?range=30d&tz=UTC", answers: { overview: async () => (await slow, json(overview())), ...trendAnswers } });
    await screen.findByText("Trends");
    // Enabled queries start in the same commit: once the overview is asked, the trends would have been too.
    await waitFor(() => expect(app.requestsTo("overview").length).toBe(1));
    expect(app.requestsTo("timeseries")).toEqual([]);
    release();
    await waitFor(() => expect(app.requestsTo("timeseries").length).toBe(4));
  });

  it("shows a loading state first and an error with a retry when the API fails", async () => {
    let fail = true;
    renderApp({
      url: "/?range=7d&tz=UTC",
      answers: { overview: () => (fail ? json({ error: { code: "invalid_parameter", message: "invalid parameter 'tz'" } }, 400) : json(overview())), ...trendAnswers },
    });
    expect(screen.getAllByRole("status")[0]?.textContent).toContain("Loading");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("invalid parameter 'tz'");
    fail = false;
    await userEvent.click(within(alert).getByRole("button", { name: "Retry" }));
    await screen.findByTestId("overview");
  });

  it("shows the empty state of a chart with no buckets", async () => {
    renderApp({ url: "/?range=7d&tz=UTC", answers: { overview: overview(), timeseries: (url: URL) => json(timeseries(url.searchParams.get("metric") as "users", [])) } });
    await screen.findByTestId("overview");
    await waitFor(() => expect(screen.getAllByText("No data for these filters.").length).toBe(4));
  });
});
