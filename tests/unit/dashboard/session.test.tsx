// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { json, renderApp } from "./harness.js";
import { overview, timeseries } from "./fixtures.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const answers = {
  overview: (_url: URL, init?: RequestInit) =>
    new Headers(init?.headers).get("Authorization") === "Bearer rk_good" ? json(overview()) : json({ error: { code: "unauthorized", message: "unknown read key" } }, 401),
  timeseries: (url: URL) => json(timeseries(url.searchParams.get("metric") as "users")),
};

describe("read key, navigation and the URL", () => {
  it("takes the key from the #key= fragment once, remembers it and wipes it from the address bar", async () => {
    const app = renderApp({ url: "/?range=7d&tz=UTC#key=rk_good", key: null, answers });
    await screen.findByTestId("overview");
    expect(localStorage.getItem("chatfunnel.readKey")).toBe("rk_good");
    expect(window.location.hash).toBe("");
    expect(window.location.search).toContain("range=7d");
    const init = app.requests[0]?.init;
    expect(new Headers(init?.headers).get("Authorization")).toBe("Bearer rk_good");
  });

  it("asks for a key when none is remembered, and again with a message when the API refuses it", async () => {
    renderApp({ url: "/", key: null, answers });
    await userEvent.type(screen.getByLabelText("Read key"), "rk_wrong");
    await userEvent.click(screen.getByRole("button", { name: "Open dashboard" }));
    expect(await screen.findByText("This key was not accepted. Check it and try again.")).toBeTruthy();
    expect(localStorage.getItem("chatfunnel.readKey")).toBeNull();
    await userEvent.type(screen.getByLabelText("Read key"), "rk_good");
    await userEvent.click(screen.getByRole("button", { name: "Open dashboard" }));
    await screen.findByTestId("overview");
    expect(localStorage.getItem("chatfunnel.readKey")).toBe("rk_good");
  });

  it("writes the defaults into the URL so a copied link reproduces the view", async () => {
    renderApp({ url: "/", key: "rk_good", answers });
    await screen.findByTestId("overview");
    const params = new URL(window.location.href).searchParams;
    expect(params.get("range")).toBe("30d");
    expect(params.get("tz")).toBeTruthy();
  });

  it("navigates between pages with plain links that keep the filters, and marks the current one", async () => {
    renderApp({ url: "/?range=90d&tz=UTC&channel=vk", key: "rk_good", answers: { ...answers, channels: { range: { from: "", to: "", tz: "UTC" }, currency: "RUB", channels: [], otherCurrencies: [] } } });
    await screen.findByTestId("overview");
    const nav = screen.getByRole("navigation", { name: "Sections" });
    const link = within(nav).getByRole("link", { name: "Channels" });
    expect(link.getAttribute("href")).toContain("range=90d");
    expect(link.getAttribute("href")).toContain("channel=vk");
    await userEvent.click(link);
    expect(window.location.pathname).toBe("/channels");
    expect(await screen.findByText("No data for these filters.")).toBeTruthy();
    expect(within(nav).getByRole("link", { name: "Channels" }).getAttribute("aria-current")).toBe("page");
    expect(document.title).toBe("Channels · Chatfunnel");
    // Keyboard and screen-reader users land on the new page's content.
    expect(document.activeElement?.id).toBe("main");
  });

  it("offers the campaigns the project has once the campaign field is focused", async () => {
    const app = renderApp({
      url: "/?range=7d&tz=UTC&campaign=old",
      key: "rk_good",
      answers: { ...answers, costs: { range: { from: "", to: "", tz: "UTC" }, by: "campaign", currency: "RUB", rows: [{ key: "spring_sale", spend: { amount: 1, currency: "RUB" }, leads: 1, orders: 0, revenue: { amount: 0, currency: "RUB" }, cpl: null, cpo: null, roas: null }, { key: null, spend: { amount: 0, currency: "RUB" }, leads: 1, orders: 0, revenue: { amount: 0, currency: "RUB" }, cpl: null, cpo: null, roas: null }], total: { spend: { amount: 1, currency: "RUB" }, leads: 2, orders: 0, revenue: { amount: 0, currency: "RUB" }, cpl: null, cpo: null, roas: null }, otherCurrencies: [] } },
    });
    await screen.findByTestId("overview");
    expect(app.requestsTo("costs")).toEqual([]);
    await userEvent.click(screen.getByRole("combobox", { name: "Campaign" }));
    await waitFor(() => expect([...document.querySelectorAll("#campaign-names option")].map((o) => o.getAttribute("value"))).toEqual(["spring_sale"]));
    // The list is of every campaign, not only the one filtered on.
    expect(app.requestsTo("costs")[0]?.searchParams.get("campaign")).toBeNull();
    expect(app.requestsTo("costs")[0]?.searchParams.get("by")).toBe("campaign");
  });

  it("shows an error instead of a blank app when an answer cannot be drawn", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    renderApp({ url: "/?range=7d&tz=UTC", key: "rk_good", answers: { ...answers, overview: { range: { from: "", to: "", tz: "UTC" } } } });
    expect((await screen.findByRole("alert")).textContent).toMatch(/Could not load/);
    expect(screen.getByRole("navigation", { name: "Sections" })).toBeTruthy();
  });

  it("switches language and remembers the choice", async () => {
    renderApp({ url: "/?range=7d&tz=UTC", key: "rk_good", answers, locale: undefined });
    await screen.findByTestId("overview");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: /Language|Язык/ }), "ru");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Обзор");
    expect(localStorage.getItem("chatfunnel.locale")).toBe("ru");
    expect(document.documentElement.lang).toBe("ru");
  });

  it("a custom date range, time zone, bot and campaign go into the URL and the query", async () => {
    const app = renderApp({ url: "/?range=30d&tz=UTC", key: "rk_good", answers });
    await screen.findByTestId("overview");
    // A date input commits a whole date at once (jsdom cannot type into one key by key).
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-04-01" } });
    fireEvent.change(screen.getByLabelText("To (inclusive)"), { target: { value: "2026-04-30" } });
    await userEvent.selectOptions(screen.getByLabelText("Time zone"), "Asia/Vladivostok");
    await userEvent.type(screen.getByLabelText("Bot"), "shop-bot");
    await userEvent.type(screen.getByRole("combobox", { name: "Campaign" }), "spring{Enter}");
    const params = new URL(window.location.href).searchParams;
    expect(params.get("range")).toBeNull();
    expect([params.get("from"), params.get("to"), params.get("tz"), params.get("bot"), params.get("campaign")]).toEqual(["2026-04-01", "2026-04-30", "Asia/Vladivostok", "shop-bot", "spring"]);
    expect((screen.getByLabelText("Period") as HTMLSelectElement).value).toBe("custom");
    await waitFor(() => {
      const last = app.requestsTo("overview").at(-1);
      expect([last?.searchParams.get("from"), last?.searchParams.get("to"), last?.searchParams.get("tz"), last?.searchParams.get("botId"), last?.searchParams.get("campaign")]).toEqual([
        "2026-04-01",
        "2026-05-01",
        "Asia/Vladivostok",
        "shop-bot",
        "spring",
      ]);
    });
  });

  it("changes the period from the keyboard alone", async () => {
    renderApp({ url: "/?range=30d&tz=UTC", key: "rk_good", answers });
    await screen.findByTestId("overview");
    const period = screen.getByRole("combobox", { name: "Period" });
    period.focus();
    await userEvent.selectOptions(period, "lastMonth");
    expect(new URL(window.location.href).searchParams.get("range")).toBe("lastMonth");
    await userEvent.tab();
    expect(document.activeElement?.getAttribute("name")).toBe("from");
  });
});
