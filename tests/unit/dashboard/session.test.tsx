// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { json, renderApp } from "./harness.js";
import { overview, timeseries } from "./fixtures.js";

afterEach(cleanup);

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
  });

  it("switches language and remembers the choice", async () => {
    renderApp({ url: "/?range=7d&tz=UTC", key: "rk_good", answers, locale: undefined });
    await screen.findByTestId("overview");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: /Language|Язык/ }), "ru");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Обзор");
    expect(localStorage.getItem("chatfunnel.locale")).toBe("ru");
    expect(document.documentElement.lang).toBe("ru");
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
