// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { BroadcastDetailResponse, BroadcastFigures, BroadcastsResponse } from "@chatfunnel/schemas";
import { json, renderApp } from "./harness.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const range = { from: "2026-05-01T00:00:00.000Z", to: "2026-05-31T00:00:00.000Z", tz: "UTC" };
const row = (over: Partial<BroadcastFigures>): BroadcastFigures => ({
  broadcastId: "fri-sale",
  channels: ["telegram", "whatsapp"],
  firstSentAt: "2026-05-08T09:00:00.000Z",
  sent: 1000,
  delivered: 900,
  read: 300,
  clicked: 120,
  failed: 100,
  failureReasons: [
    { reason: "blocked_by_user", users: 60 },
    { reason: null, users: 40 },
  ],
  unsubscribedOrBlocked: 9,
  leads: 45,
  orders: 18,
  revenue: { amount: 54000, currency: "RUB" },
  otherRevenue: [{ amount: 120, currency: "USD" }],
  deliveryRate: 0.9,
  readRate: 0.6,
  clickRate: 120 / 900,
  unsubscribeRate: 0.01,
  leadRate: 0.05,
  orderRate: 0.02,
  ...over,
});
const list: BroadcastsResponse = {
  range,
  windowSeconds: 259_200,
  currency: "RUB",
  broadcasts: [
    row({ broadcastId: "tg-news", channels: ["telegram", "vk"], firstSentAt: "2026-05-20T12:00:00.000Z", read: null, readRate: null, failed: 0, failureReasons: [] }),
    row({}),
  ],
};
const detail = (figures: BroadcastFigures): BroadcastDetailResponse => ({
  range,
  windowSeconds: 259_200,
  currency: "RUB",
  broadcast: figures,
  hours: [
    { hour: "2026-05-08T09:00:00.000Z", delivered: 800, read: figures.read === null ? null : 200, clicked: 100 },
    { hour: "2026-05-08T10:00:00.000Z", delivered: 100, read: figures.read === null ? null : 100, clicked: 20 },
  ],
});
const answers = {
  broadcasts: list,
  "broadcasts/tg-news": detail(list.broadcasts[0]!),
  "broadcasts/fri-sale": detail(list.broadcasts[1]!),
};

describe("broadcasts page", () => {
  it("lists every broadcast with its stages, reasons, opt-outs, conversions and rates; unknown reads are said, not 0", async () => {
    renderApp({ url: "/broadcasts?range=30d&tz=UTC", answers });
    const table = await screen.findByTestId("broadcasts-table");
    const fri = table.querySelector('tr[data-broadcast="fri-sale"]') as HTMLElement;
    const cell = (tr: HTMLElement, metric: string) => tr.querySelector(`[data-metric="${metric}"]`)?.textContent;
    expect(cell(fri, "sent")).toBe("1,000");
    expect(cell(fri, "delivered")).toBe("900");
    expect(cell(fri, "read")).toBe("300");
    expect(cell(fri, "clicked")).toBe("120");
    const failed = fri.querySelector('[data-metric="failed"]') as HTMLElement;
    expect(failed.firstChild?.textContent).toBe("100");
    expect(within(failed).getByText("Top failure reasons").tagName).toBe("SUMMARY");
    expect([...failed.querySelectorAll("li")].map((li) => li.textContent)).toEqual([
      "blocked_by_user: 60",
      "no reason given: 40",
    ]);
    expect(cell(fri, "unsubscribedOrBlocked")).toBe("9");
    expect(cell(fri, "leads")).toBe("45");
    expect(cell(fri, "orders")).toBe("18");
    expect(cell(fri, "revenue")).toContain("₽54,000.00");
    expect(cell(fri, "revenue")).toContain("$120.00");
    expect(cell(fri, "deliveryRate")).toBe("90%");
    expect(cell(fri, "readRate")).toBe("60%");
    expect(cell(fri, "leadRate")).toBe("5%");
    const news = table.querySelector('tr[data-broadcast="tg-news"]') as HTMLElement;
    expect(cell(news, "read")).toBe("not reported by Telegram/VK");
    expect(cell(news, "readRate")).toBe("not reported by Telegram/VK");
    expect(cell(news, "channels")).toBe("Telegram, VK");
  });

  it("shows the newest broadcast's funnel and timeline, and another's on a click, kept in the URL", async () => {
    const app = renderApp({ url: "/broadcasts?range=30d&tz=UTC", answers });
    // The newest (tg-news) first: no read stage, and a note saying why.
    const funnel = await screen.findByRole("group", { name: "Funnel of tg-news: sent → delivered → read → clicked → lead / order" });
    expect([...funnel.querySelectorAll("tbody th")].map((th) => th.textContent)).toEqual(["Sent", "Delivered", "Clicked", "Leads", "Orders"]);
    expect(screen.getByTestId("broadcast-read-unknown").textContent).toBe("Read: not reported by Telegram/VK");

    await userEvent.click(screen.getByRole("button", { name: "fri-sale" }));
    expect(new URL(window.location.href).searchParams.get("broadcast")).toBe("fri-sale");
    const friFunnel = await screen.findByRole("group", { name: "Funnel of fri-sale: sent → delivered → read → clicked → lead / order" });
    expect([...friFunnel.querySelectorAll('tbody td[data-series="users"]')].map((td) => td.textContent)).toEqual(["1,000", "900", "300", "120", "45", "18"]);
    const timeline = screen.getByRole("group", { name: "fri-sale hour by hour: users delivered, read and clicked" });
    const firstHour = [...timeline.querySelectorAll("tbody tr")][0] as HTMLElement;
    expect([...firstHour.querySelectorAll("td")].map((td) => td.textContent)).toEqual(["800", "200", "100"]);
    expect(screen.queryByTestId("broadcast-read-unknown")).toBeNull();
    await waitFor(() => expect(app.requestsTo("broadcasts/fri-sale")).toHaveLength(1));
    expect(app.requestsTo("broadcasts/fri-sale")[0]!.searchParams.get("tz")).toBe("UTC");
  });

  it("opens the broadcast named in the URL, and the newest when the period does not list it", async () => {
    renderApp({ url: "/broadcasts?range=30d&tz=UTC&broadcast=fri-sale", answers });
    await screen.findByRole("group", { name: "Funnel of fri-sale: sent → delivered → read → clicked → lead / order" });
    expect(screen.getByRole("button", { name: "fri-sale" }).getAttribute("aria-pressed")).toBe("true");
    cleanup();
    const app = renderApp({ url: "/broadcasts?range=30d&tz=UTC&broadcast=gone", answers });
    await screen.findByRole("group", { name: "Funnel of tg-news: sent → delivered → read → clicked → lead / order" });
    expect(app.requestsTo("broadcasts/gone")).toEqual([]);
    expect(app.requestsTo("broadcasts/tg-news")).toHaveLength(1);
  });

  it("speaks Russian", async () => {
    renderApp({ url: "/broadcasts?range=30d&tz=UTC", answers, locale: "ru" });
    const table = await screen.findByTestId("broadcasts-table");
    expect(table.querySelector('tr[data-broadcast="tg-news"] [data-metric="read"]')?.textContent).toBe("Telegram/VK не сообщают");
    expect(screen.getByRole("link", { name: "Рассылки" })).toBeTruthy();
  });
});
