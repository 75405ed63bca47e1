// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { funnelWindowSeconds, isFunnelWindow, MAX_FUNNEL_WINDOW_SECONDS } from "@chatfunnel/contract";
import { DEFAULT_BROADCAST_WINDOW, DEFAULT_SURVEY_WINDOW, type BroadcastDetailResponse, type BroadcastFigures, type BroadcastsResponse } from "@chatfunnel/schemas";
import { DEFAULT_WINDOWS, WINDOW_CHOICES, parseWindowParam } from "../../../dashboard/src/components/WindowPicker.js";
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
    expect([...funnel.querySelectorAll("tbody th")].map((th) => th.textContent)).toEqual(["Sent", "Delivered", "Clicked", "Leads within 3 days", "Orders within 3 days"]);
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

describe("broadcasts: the conversion window", () => {
  // The fake API answers with the window it was asked (as the real one does), so the headers can be checked to follow it.
  const windowed = <T extends { windowSeconds: number }>(body: T) => (url: URL) => json({ ...body, windowSeconds: funnelWindowSeconds(url.searchParams.get("window") ?? "") ?? 0 });
  const windowedAnswers = {
    broadcasts: windowed(list),
    "broadcasts/tg-news": windowed(detail(list.broadcasts[0]!)),
    "broadcasts/fri-sale": windowed(detail(list.broadcasts[1]!)),
  };
  const headers = () => [...screen.getByTestId("broadcasts-table").querySelectorAll("thead th")].map((th) => th.textContent);
  const picker = () => screen.getByRole("combobox", { name: "Leads and orders within" }) as HTMLSelectElement;

  it("holds the API's defaults and offers only windows the API takes", () => {
    expect(DEFAULT_WINDOWS).toEqual({ broadcasts: DEFAULT_BROADCAST_WINDOW, surveys: DEFAULT_SURVEY_WINDOW });
    for (const choice of WINDOW_CHOICES) expect(isFunnelWindow(choice), choice).toBe(true);
    expect(funnelWindowSeconds(WINDOW_CHOICES.at(-1)!)).toBe(MAX_FUNNEL_WINDOW_SECONDS);
    expect(WINDOW_CHOICES).toContain(DEFAULT_WINDOWS.broadcasts);
    expect(WINDOW_CHOICES).toContain(DEFAULT_WINDOWS.surveys);
  });

  it("asks 3 days by default and names it in the conversion columns, the note and the funnel", async () => {
    const app = renderApp({ url: "/broadcasts?range=30d&tz=UTC", answers: windowedAnswers });
    await screen.findByTestId("broadcasts-table");
    expect(picker().value).toBe("3d");
    expect([...picker().options].map((o) => o.textContent)).toEqual(["1 hour", "6 hours", "12 hours", "1 day", "3 days", "7 days", "14 days", "30 days", "90 days"]);
    expect(headers()).toEqual(expect.arrayContaining(["Leads within 3 days", "Orders within 3 days", "Revenue within 3 days", "Lead rate within 3 days", "Order rate within 3 days"]));
    expect(screen.getByText(/leads, orders and revenue within 3 days of each user's delivery/)).toBeTruthy();
    await screen.findByRole("group", { name: "Funnel of tg-news: sent → delivered → read → clicked → lead / order" });
    expect(app.requestsTo("broadcasts")[0]!.searchParams.get("window")).toBe("3d");
    expect(app.requestsTo("broadcasts/tg-news")[0]!.searchParams.get("window")).toBe("3d");
  });

  it("puts a picked window into the URL and into the list's and the detail's queries; the labels follow", async () => {
    const app = renderApp({ url: "/broadcasts?range=30d&tz=UTC&broadcast=fri-sale", answers: windowedAnswers });
    await screen.findByRole("group", { name: "Funnel of fri-sale: sent → delivered → read → clicked → lead / order" });
    await userEvent.selectOptions(picker(), "7d");
    const url = new URL(window.location.href).searchParams;
    expect([url.get("window"), url.get("broadcast"), url.get("range")]).toEqual(["7d", "fri-sale", "30d"]);
    await waitFor(() => expect(headers()).toContain("Leads within 7 days"));
    expect(headers()).toContain("Order rate within 7 days");
    expect(app.requestsTo("broadcasts").map((u) => u.searchParams.get("window"))).toEqual(["3d", "7d"]);
    await waitFor(() => expect(app.requestsTo("broadcasts/fri-sale").map((u) => u.searchParams.get("window"))).toEqual(["3d", "7d"]));
    const funnel = screen.getByRole("group", { name: "Funnel of fri-sale: sent → delivered → read → clicked → lead / order" });
    await waitFor(() => expect([...funnel.querySelectorAll("tbody th")].map((th) => th.textContent)).toContain("Leads within 7 days"));
  });

  it("opens a shared link's window, spelled as a choice when it is one, and keeps one the picker does not list", async () => {
    let app = renderApp({ url: "/broadcasts?range=30d&tz=UTC&window=5d", answers: windowedAnswers });
    await screen.findByTestId("broadcasts-table");
    expect(picker().value).toBe("5d");
    expect([...picker().options].map((o) => o.value)).toEqual(["1h", "6h", "12h", "1d", "3d", "5d", "7d", "14d", "30d", "90d"]);
    expect(headers()).toContain("Leads within 5 days");
    expect(app.requestsTo("broadcasts")[0]!.searchParams.get("window")).toBe("5d");
    cleanup();
    app = renderApp({ url: "/broadcasts?range=30d&tz=UTC&window=24h", answers: windowedAnswers });
    await screen.findByTestId("broadcasts-table");
    expect(picker().value).toBe("1d");
    expect(picker().options).toHaveLength(WINDOW_CHOICES.length);
    expect(app.requestsTo("broadcasts")[0]!.searchParams.get("window")).toBe("1d");
  });

  it.each(["abc", "0d", "91d", "2160h1", "1w", ""])("falls back to 3 days for window=%j in the URL, without an error", async (bad) => {
    const app = renderApp({ url: `/broadcasts?range=30d&tz=UTC&window=${encodeURIComponent(bad)}`, answers: windowedAnswers });
    await screen.findByTestId("broadcasts-table");
    expect(picker().value).toBe("3d");
    expect(headers()).toContain("Leads within 3 days");
    expect(app.requestsTo("broadcasts").map((u) => u.searchParams.get("window"))).toEqual(["3d"]);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("names the window in Russian, in the form that follows «за»", async () => {
    renderApp({ url: "/broadcasts?range=30d&tz=UTC&window=21m", answers: windowedAnswers, locale: "ru" });
    await screen.findByTestId("broadcasts-table");
    const select = screen.getByRole("combobox", { name: "Лиды и заказы за" }) as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(["21 минуту", "1 час", "6 часов", "12 часов", "1 день", "3 дня", "7 дней", "14 дней", "30 дней", "90 дней"]);
    expect(headers()).toEqual(expect.arrayContaining(["Лиды за 21 минуту", "Заказы за 21 минуту", "Выручка за 21 минуту", "Доля лидов за 21 минуту", "Доля заказов за 21 минуту"]));
    cleanup();
    renderApp({ url: "/broadcasts?range=30d&tz=UTC", answers: windowedAnswers, locale: "ru" });
    await screen.findByTestId("broadcasts-table");
    expect(headers()).toContain("Лиды за 3 дня");
  });

  it("reads the window parameter as the API's grammar and bound", () => {
    const read = (value: string | null) => parseWindowParam(new URLSearchParams(value === null ? "" : { window: value }), "3d");
    expect([read(null), read("90d"), read("2160h"), read("129600m"), read("2161h"), read("45m"), read("1.5d"), read(" 3d")]).toEqual(["3d", "90d", "90d", "90d", "3d", "45m", "3d", "3d"]);
  });
});
