// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import {
  RetentionQuerySchema,
  type RetentionCell,
  type RetentionCohortRow,
  type RetentionGroup,
  type RetentionResponse,
  type RetentionUsersResponse,
} from "@chatfunnel/schemas";
import { json, renderApp } from "./harness.js";
import { createFormat } from "../../../dashboard/src/i18n/format.js";
import { cellColours, intensity, scaleMaximum, WHITE_TEXT_FROM } from "../../../dashboard/src/retention/color-scale.js";
import { RETURN_ANY } from "../../../dashboard/src/retention/limits.js";
import { parseRetentionView, writeRetentionView, type RetentionView } from "../../../dashboard/src/retention/params.js";
import { defaultLtvPeriod, ltvAt } from "../../../dashboard/src/retention/group-figures.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const cell = (period: number, users: number | null, size: number, revenuePerUser: number | null, state: "complete" | "open" | "unseen" = "complete"): RetentionCell => ({
  period,
  observed: state !== "unseen",
  complete: state === "complete",
  users: state === "unseen" ? null : users,
  share: state === "unseen" || users === null ? null : users / size,
  revenuePerUser: state === "unseen" ? null : revenuePerUser,
});

/** Three weekly cohorts, four periods: the classic triangle, the last column of each row not reached yet or still open. */
const cohorts = (group: string | null = null): RetentionCohortRow[] => [
  { start: "2026-11-02", group, size: 100, cac: 4, paybackPeriod: 2, cells: [cell(0, 100, 100, 1), cell(1, 40, 100, 3), cell(2, 25, 100, 4.5), cell(3, 10, 100, 5, "open")] },
  { start: "2026-11-09", group, size: 50, cac: 6, paybackPeriod: null, cells: [cell(0, 50, 50, 0.5), cell(1, 10, 50, 1), cell(2, 5, 50, 1.2, "open"), cell(3, null, 50, null, "unseen")] },
  { start: "2026-11-16", group, size: 20, cac: null, paybackPeriod: null, cells: [cell(0, 20, 20, 0), cell(1, 2, 20, 0.1, "open"), cell(2, null, 20, null, "unseen"), cell(3, null, 20, null, "unseen")] },
];

const group = (name: string | null, size: number, cac: number | null, shares: Array<number | null>, ltv: Array<number | null>, paybackPeriod: number | null = null): RetentionGroup => ({
  group: name,
  size,
  cac,
  paybackPeriod,
  cells: shares.map((share, period) => ({ period, users: share === null ? null : Math.round(share * size), share, revenuePerUser: ltv[period] ?? null })),
});

const range = { from: "2026-11-02T00:00:00.000Z", to: "2026-11-23T00:00:00.000Z", tz: "UTC" };

function answer(url: URL): RetentionResponse {
  const breakdown = (url.searchParams.get("breakdown") as RetentionResponse["breakdown"]) ?? null;
  const base = {
    range,
    interval: (url.searchParams.get("interval") ?? "week") as RetentionResponse["interval"],
    periods: 4,
    cohort: (url.searchParams.get("cohort") ?? "first_seen") as RetentionResponse["cohort"],
    return: url.searchParams.get("return") ?? "any",
    currency: "RUB",
    otherCurrencies: [],
    groupsTruncated: false,
  };
  if (breakdown === "campaign") {
    return {
      ...base,
      breakdown,
      cohorts: [...cohorts("black.friday"), ...cohorts(null).slice(0, 1)],
      groups: [group("black.friday", 170, 4.5, [1, 0.3, 0.2, 0.1], [0.6, 2, 3.5, 5], 3), group(null, 100, null, [1, 0.4, 0.25, 0.1], [1, 3, 4.5, 5])],
    };
  }
  return { ...base, breakdown, cohorts: cohorts(breakdown === "channel" ? "telegram" : null), groups: [group(breakdown === "channel" ? "telegram" : null, 170, 4.5, [1, 0.3, 0.2, 0.1], [0.6, 2, 3.5, 5], 3)] };
}

const users = (url: URL): RetentionUsersResponse => ({
  cohortStart: url.searchParams.get("cohortStart")!,
  period: Number(url.searchParams.get("period")),
  total: 2,
  limit: 100,
  offset: 0,
  users: [
    { channel: "telegram", userId: "tg-7", cohortAt: "2026-11-03T10:00:00.000Z", returnedAt: "2026-11-10T09:30:00.000Z" },
    { channel: "vk", userId: "vk-9", cohortAt: "2026-11-04T10:00:00.000Z", returnedAt: "2026-11-12T18:00:00.000Z" },
  ],
});

const answers = {
  retention: (url: URL) => json(answer(url)),
  "retention/users": (url: URL) =>
    url.searchParams.get("format") === "csv" ? new Response("channel,userId,cohortAt,returnedAt\r\ntelegram,tg-7,2026-11-03T10:00:00.000Z,2026-11-10T09:30:00.000Z\r\n", { headers: { "Content-Type": "text/csv" } }) : json(users(url)),
  "event-types": { range, types: [{ type: "message_received", events: 900, users: 300, lastSeen: "2026-11-20T10:00:00.000Z" }, { type: "order", events: 40, users: 30, lastSeen: "2026-11-20T10:00:00.000Z" }] },
};

const URL_3_WEEKS = "/retention?from=2026-11-02&to=2026-11-22&tz=UTC";
const here = () => new URL(window.location.href).searchParams;
const triangle = () => screen.getByTestId("retention-triangle");
const row = (start: string) => triangle().querySelector(`tr[data-cohort="${start}"]`) as HTMLElement;
const cellButton = (start: string, period: number) => row(start).querySelector(`td[data-period="${period}"] button`) as HTMLButtonElement | null;

describe("retention: the page's choices are the API's", () => {
  it("opens on the API's default query", () => {
    const defaults = RetentionQuerySchema.parse({ from: "2026-11-01", to: "2026-11-02" });
    // The page's default view is the API's default query.
    expect(parseRetentionView(new URLSearchParams()).params).toEqual({ interval: defaults.interval, periods: defaults.periods, cohort: defaults.cohort, return: defaults.return, breakdown: null });
  });
});

describe("retention: the colour scale", () => {
  it("scales to the largest share after period 0 when any event returns a user; period 0 counts when a return is an event type", () => {
    const rows = cohorts();
    expect(scaleMaximum(rows, true)).toBe(0.4);
    expect(scaleMaximum(rows, false)).toBe(1);
    // Nothing retained anywhere: the scale still has a width, every cell the palest shade.
    expect(scaleMaximum([{ cells: [cell(0, 5, 5, 0), cell(1, 0, 5, 0)] }], true)).toBe(1);
    expect(intensity(0.2, 0.4)).toBe(0.5);
    expect(intensity(1, 0.4)).toBe(1);
    expect(intensity(0, 0.4)).toBe(0);
  });

  it("runs from the palest shade to the accent, darker with every share, white text once the cell is dark", () => {
    expect(cellColours(0, 0.4)).toEqual({ background: "rgb(243, 246, 255)", color: "#1c2233" });
    expect(cellColours(0.4, 0.4)).toEqual({ background: "rgb(58, 111, 247)", color: "#fff" });
    expect(cellColours(1, 0.4)).toEqual(cellColours(0.4, 0.4));
    const red = (share: number) => Number(/rgb\((\d+)/.exec(cellColours(share, 0.4).background)![1]);
    const shares = [0, 0.05, 0.1, 0.2, 0.3, 0.4];
    for (let i = 1; i < shares.length; i++) expect(red(shares[i]!)).toBeLessThan(red(shares[i - 1]!));
    expect(cellColours(0.4 * WHITE_TEXT_FROM - 0.01, 0.4).color).toBe("#1c2233");
    expect(cellColours(0.4 * WHITE_TEXT_FROM, 0.4).color).toBe("#fff");
  });
});

describe("retention: the period LTV is compared at", () => {
  it("is by default the furthest period that cohorts holding more than half of the users reached", () => {
    // 100 + 50 + 20 users: period 3 is reached by the first cohort alone, 100 of 170.
    expect(defaultLtvPeriod(cohorts(), 4)).toBe(3);
    const young = cohorts().map((row, index) => (index === 0 ? { ...row, size: 60 } : row));
    // 60 of 130 reached period 3: below half; period 2 is reached by 110 of 130.
    expect(defaultLtvPeriod(young, 4)).toBe(2);
    // Exactly half is not more than half.
    const half = cohorts().map((row, index) => (index === 0 ? { ...row, size: 70 } : row));
    expect(defaultLtvPeriod(half, 4)).toBe(2);
    expect(defaultLtvPeriod([], 4)).toBe(0);
    const g = group("x", 10, 2, [1, 0.5, null], [1, 2, null]);
    expect([ltvAt(g, 1), ltvAt(g, 2), ltvAt(g, 9)]).toEqual([2, null, null]);
  });
});

describe("retention: the URL holds the view", () => {
  it("writes every choice and reads it back", () => {
    const views: RetentionView[] = [
      { params: { interval: "day", periods: 24, cohort: "first_order", return: "order", breakdown: "campaign" }, show: "users", cell: { cohortStart: "2026-11-09", period: 3, group: "black.friday" }, ltvPeriod: 5, rowsGroup: "black.friday" },
      { params: { interval: "month", periods: 1, cohort: "first_lead", return: "any", breakdown: "source" }, show: "share", cell: { cohortStart: "2026-10-01", period: 0, group: null }, ltvPeriod: 0, rowsGroup: null },
      { params: { interval: "week", periods: 8, cohort: "first_seen", return: "any", breakdown: null }, show: "share", cell: { cohortStart: "2026-11-02", period: 7 }, ltvPeriod: null },
      { params: { interval: "week", periods: 6, cohort: "first_seen", return: "message_received", breakdown: "channel" }, show: "share", cell: null, ltvPeriod: null },
    ];
    for (const view of views) {
      const written = writeRetentionView(new URLSearchParams("range=30d&tz=UTC"), view);
      expect(written.get("range")).toBe("30d");
      expect(parseRetentionView(new URLSearchParams(written.toString())), written.toString()).toEqual(view);
    }
    // The users without a campaign: present and empty, as the API's group= means.
    expect(writeRetentionView(new URLSearchParams(), views[1]!).has("cellGroup")).toBe(true);
    expect(writeRetentionView(new URLSearchParams(), views[1]!).get("cellGroup")).toBe("");
  });

  it("falls back to the defaults for values the API would refuse, and drops a cell past the periods", () => {
    const view = parseRetentionView(new URLSearchParams("interval=year&periods=25&cohort=first_click&return=Not-A-Type&breakdown=botId&show=ltv&cell=2026-11-02:9&ltv=8"));
    expect(view).toEqual({ params: { interval: "week", periods: 8, cohort: "first_seen", return: "any", breakdown: null }, show: "share", cell: null, ltvPeriod: null });
    expect(parseRetentionView(new URLSearchParams("ltv=7")).ltvPeriod).toBe(7);
    expect(parseRetentionView(new URLSearchParams("ltv=-1")).ltvPeriod).toBeNull();
    // A triangle group means nothing without a breakdown.
    expect(parseRetentionView(new URLSearchParams("rowsGroup=telegram")).rowsGroup).toBeUndefined();
    expect(parseRetentionView(new URLSearchParams("periods=0")).params.periods).toBe(8);
    expect(parseRetentionView(new URLSearchParams("periods=2.5")).params.periods).toBe(8);
    expect(parseRetentionView(new URLSearchParams("cell=2026-13-45:1")).cell).toBeNull();
  });
});

describe("retention page", () => {
  it("shows the triangle with shares coloured on one scale, blank where a period is not reached, dashed where it is open", async () => {
    const app = renderApp({ url: URL_3_WEEKS, answers });
    await screen.findByTestId("retention-triangle");
    const texts = (start: string) => [0, 1, 2, 3].map((p) => cellButton(start, p)?.textContent ?? null);
    expect(texts("2026-11-02")).toEqual(["100%", "40%", "25%", "10%"]);
    expect(texts("2026-11-09")).toEqual(["100%", "20%", "10%", null]);
    expect(texts("2026-11-16")).toEqual(["100%", "10%", null, null]);
    expect(row("2026-11-02").querySelector('[data-col="size"]')?.textContent).toBe("100");
    expect(row("2026-11-02").querySelector('[data-col="cac"]')?.textContent).toBe("₽4.00");
    expect(row("2026-11-02").querySelector('[data-col="payback"]')?.textContent).toBe("period 2");
    expect(row("2026-11-16").querySelector('[data-col="cac"]')?.textContent).toBe("—");
    // 40 % after week 0 is the top of the scale; period 0 (the whole cohort) is clamped to it.
    expect(cellButton("2026-11-02", 1)!.style.background).toBe("rgb(58, 111, 247)");
    expect(cellButton("2026-11-02", 0)!.style.background).toBe("rgb(58, 111, 247)");
    expect(cellButton("2026-11-09", 1)!.style.background).toBe(cellColours(0.2, 0.4).background);
    expect(screen.getByTestId("retention-scale").textContent).toContain("0% to 40% and above.");
    expect(screen.getByText(/^A cohort is the users whose first visit fell in the same week; .* come back with any user event \(not message_sent, broadcast_sent, broadcast_delivered, broadcast_failed\) in it\./)).toBeTruthy();
    expect(row("2026-11-09").querySelector('td[data-period="2"]')!.className).toContain("incomplete");
    expect(row("2026-11-09").querySelector('td[data-period="3"]')!.className).toContain("not-observed");
    expect(cellButton("2026-11-02", 1)!.getAttribute("aria-label")).toBe("Nov 2, 2026, period 1: 40 of 100 users, 40%");
    const request = app.requestsTo("retention").find((u) => !u.searchParams.has("breakdown"))!;
    expect(Object.fromEntries(["interval", "periods", "cohort", "return", "tz", "from", "to"].map((name) => [name, request.searchParams.get(name)]))).toEqual({
      interval: "week",
      periods: "8",
      cohort: "first_seen",
      return: "any",
      tz: "UTC",
      from: "2026-11-02",
      to: "2026-11-23",
    });
  });

  it("shows counts instead of shares when asked, kept in the URL, same colours", async () => {
    renderApp({ url: URL_3_WEEKS, answers });
    await screen.findByTestId("retention-triangle");
    const before = cellButton("2026-11-09", 1)!.style.background;
    await userEvent.click(screen.getByRole("radio", { name: "users" }));
    expect(here().get("show")).toBe("users");
    await waitFor(() => expect(cellButton("2026-11-09", 1)!.textContent).toBe("10"));
    expect(cellButton("2026-11-02", 0)!.textContent).toBe("100");
    expect(cellButton("2026-11-09", 1)!.style.background).toBe(before);
  });

  it("puts each control into the URL and the query, and restores them from a link", async () => {
    const app = renderApp({ url: URL_3_WEEKS, answers });
    await screen.findByTestId("retention-triangle");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Cohorts by" }), "month");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Periods" }), "12");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Cohort of" }), "first_lead");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Breakdown" }), "channel");
    // The return types: those the project sent (from event-types), then the reserved ones.
    const returns = screen.getByRole("combobox", { name: "Returns with" }) as HTMLSelectElement;
    await waitFor(() => expect(returns.options[1]?.value).toBe("message_received"));
    expect([...returns.options].map((o) => o.value)).toContain("payment");
    await userEvent.selectOptions(returns, "order");
    const params = here();
    expect([params.get("interval"), params.get("periods"), params.get("cohort"), params.get("breakdown"), params.get("return")]).toEqual(["month", "12", "first_lead", "channel", "order"]);
    await waitFor(() => expect(app.requestsTo("retention").some((u) => u.searchParams.get("return") === "order" && u.searchParams.get("breakdown") === "channel")).toBe(true));
    const last = app.requestsTo("retention").filter((u) => u.searchParams.get("breakdown") === "channel").at(-1)!;
    expect([last.searchParams.get("interval"), last.searchParams.get("periods"), last.searchParams.get("cohort")]).toEqual(["month", "12", "first_lead"]);
    // A breakdown adds its column to the triangle and names the curves.
    await waitFor(() => expect(row("2026-11-02").textContent).toContain("Telegram"));
    expect(screen.getByRole("group", { name: "Share retained by period, by channel" })).toBeTruthy();
    cleanup();

    const link = `${URL_3_WEEKS}&interval=day&periods=6&cohort=first_order&return=order&breakdown=source&show=users`;
    const restored = renderApp({ url: link, answers });
    await screen.findByTestId("retention-triangle");
    expect((screen.getByRole("combobox", { name: "Cohorts by" }) as HTMLSelectElement).value).toBe("day");
    expect((screen.getByRole("combobox", { name: "Periods" }) as HTMLSelectElement).value).toBe("6");
    expect((screen.getByRole("combobox", { name: "Cohort of" }) as HTMLSelectElement).value).toBe("first_order");
    expect((screen.getByRole("combobox", { name: "Returns with" }) as HTMLSelectElement).value).toBe("order");
    expect((screen.getByRole("combobox", { name: "Breakdown" }) as HTMLSelectElement).value).toBe("source");
    expect((screen.getByRole("radio", { name: "users" }) as HTMLInputElement).checked).toBe(true);
    const first = restored.requestsTo("retention").find((u) => u.searchParams.get("breakdown") === "source")!;
    expect([first.searchParams.get("interval"), first.searchParams.get("periods"), first.searchParams.get("cohort"), first.searchParams.get("return")]).toEqual(["day", "6", "first_order", "order"]);
  });

  it("lists a clicked cell's users and downloads them as CSV", async () => {
    const created = vi.fn((_blob: Blob) => "blob:retention");
    URL.createObjectURL = created as unknown as typeof URL.createObjectURL;
    URL.revokeObjectURL = vi.fn();
    const clicks = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    const app = renderApp({ url: URL_3_WEEKS, answers });
    await screen.findByTestId("retention-triangle");
    await userEvent.click(cellButton("2026-11-02", 1)!);
    expect(here().get("cell")).toBe("2026-11-02:1");
    expect(cellButton("2026-11-02", 1)!.getAttribute("aria-pressed")).toBe("true");
    const list = await screen.findByTestId("retention-users");
    expect(within(list).getByRole("heading", { name: "Users of the Nov 2, 2026 cohort, period 1" })).toBeTruthy();
    await within(list).findByText("tg-7");
    expect(within(list).getByRole("row", { name: /vk-9/ }).textContent).toContain("VK");
    const request = app.requestsTo("retention/users")[0]!;
    expect([request.searchParams.get("cohortStart"), request.searchParams.get("period"), request.searchParams.has("group"), request.searchParams.get("periods")]).toEqual(["2026-11-02", "1", false, "8"]);
    await userEvent.click(within(list).getByRole("button", { name: "Export CSV" }));
    await waitFor(() => expect(created).toHaveBeenCalled());
    expect(await created.mock.calls[0]![0].text()).toContain("telegram,tg-7");
    const csv = app.requestsTo("retention/users").find((u) => u.searchParams.get("format") === "csv")!;
    expect([csv.searchParams.get("cohortStart"), csv.searchParams.get("period"), csv.searchParams.get("limit")]).toEqual(["2026-11-02", "1", "10000"]);
    expect((clicks.mock.contexts[0] as HTMLAnchorElement).download).toBe("retention-2026-11-02-period-1.csv");
  });

  it("with a breakdown, a cell's users are its group's; the users without a campaign are asked as group= (empty)", async () => {
    const app = renderApp({ url: `${URL_3_WEEKS}&breakdown=campaign`, answers });
    await screen.findByTestId("retention-triangle");
    const rows = [...triangle().querySelectorAll('tr[data-cohort="2026-11-02"]')];
    expect(rows.map((tr) => tr.querySelector("td.left")?.textContent)).toEqual(["black.friday", "(none)"]);
    await userEvent.click(rows[1]!.querySelector('td[data-period="2"] button')!);
    expect(here().get("cellGroup")).toBe("");
    const list = await screen.findByTestId("retention-users");
    expect(within(list).getByRole("heading", { name: "Users of the Nov 2, 2026 cohort ((none)), period 2" })).toBeTruthy();
    await waitFor(() => expect(app.requestsTo("retention/users").length).toBeGreaterThan(0));
    const request = app.requestsTo("retention/users")[0]!;
    expect([request.searchParams.has("group"), request.searchParams.get("group"), request.searchParams.get("breakdown")]).toEqual([true, "", "campaign"]);
    await userEvent.click(rows[0]!.querySelector('td[data-period="1"] button')!);
    await waitFor(() => expect(app.requestsTo("retention/users").at(-1)!.searchParams.get("group")).toBe("black.friday"));

    // One group's triangle: its rows only, kept in the URL; a new definition lists every group again.
    const groupNames = () => [...triangle().querySelectorAll("tbody tr")].map((tr) => tr.querySelector("td.left")?.textContent);
    expect(groupNames()).toHaveLength(4);
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Cohorts of" }), "(none)");
    expect([here().has("rowsGroup"), here().get("rowsGroup")]).toEqual([true, ""]);
    await waitFor(() => expect(groupNames()).toEqual(["(none)"]));
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Cohorts of" }), "black.friday");
    expect(here().get("rowsGroup")).toBe("black.friday");
    await waitFor(() => expect(groupNames()).toEqual(["black.friday", "black.friday", "black.friday"]));
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Periods" }), "6");
    expect(here().has("rowsGroup")).toBe(false);
    expect(here().has("cell")).toBe(false);
  });

  it("keeps a return type the project has not sent yet as a choice, and asks the campaign answer once when it is the page's", async () => {
    const app = renderApp({ url: `${URL_3_WEEKS}&return=trial_started&breakdown=campaign`, answers });
    await screen.findByTestId("ltv-cac-table");
    const returns = screen.getByRole("combobox", { name: "Returns with" }) as HTMLSelectElement;
    expect(returns.value).toBe("trial_started");
    expect(app.requestsTo("retention").map((u) => [u.searchParams.get("breakdown"), u.searchParams.get("return")])).toEqual([["campaign", "trial_started"]]);
  });

  it("names a month cohort by its month", async () => {
    renderApp({ url: `${URL_3_WEEKS}&interval=month`, answers });
    await screen.findByTestId("retention-triangle");
    expect(row("2026-11-02").querySelector("th")?.textContent).toBe("November 2026");
  });

  it("draws a curve per group with its figures in tables, and LTV against CAC per campaign", async () => {
    renderApp({ url: URL_3_WEEKS, answers });
    const curves = await screen.findByRole("group", { name: "Share retained by period" });
    const curveRows = [...curves.querySelectorAll("tbody tr")].map((tr) => [...tr.querySelectorAll("th, td")].map((c) => c.textContent));
    expect(curveRows).toEqual([
      ["period 0", "100%"],
      ["period 1", "30%"],
      ["period 2", "20%"],
      ["period 3", "10%"],
    ]);
    const groups = screen.getByTestId("retention-groups");
    const all = within(groups).getByRole("row", { name: /^All users/ });
    expect([...all.querySelectorAll("td")].map((td) => td.textContent)).toEqual(["170", "₽4.50", "period 3", "₽5.00", "100%", "30%", "20%", "10%"]);

    const table = await screen.findByTestId("ltv-cac-table");
    const friday = within(table).getByRole("row", { name: /^black\.friday/ });
    const col = (tr: HTMLElement, name: string) => tr.querySelector(`[data-col="${name}"]`)?.textContent;
    expect(["size", "ltv", "cac", "ltvToCac", "payback"].map((name) => col(friday, name))).toEqual(["170", "₽5.00", "₽4.50", "1.11×", "period 3"]);
    expect(within(table).getByRole("columnheader", { name: "LTV, period 3" })).toBeTruthy();
    const none = within(table).getByRole("row", { name: /^\(none\)/ });
    expect(["cac", "ltvToCac", "payback"].map((name) => col(none, name))).toEqual(["—", "—", "—"]);
    const chartRows = (period: number) =>
      [...screen.getByRole("group", { name: `Revenue per user by the end of period ${period} (LTV) and spend per user (CAC), RUB` }).querySelectorAll("tbody tr")].map((tr) => [...tr.querySelectorAll("th, td")].map((c) => c.textContent));
    expect(chartRows(3)).toEqual([
      ["black.friday", "₽5.00", "₽4.50"],
      ["(none)", "₽5.00", "—"],
    ]);
    expect(screen.queryByTestId("ltv-no-spend")).toBeNull();
    // Another period: kept in the URL, the tables and the chart follow.
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "LTV at period" }), "1");
    expect(here().get("ltv")).toBe("1");
    await waitFor(() => expect(col(within(screen.getByTestId("ltv-cac-table")).getByRole("row", { name: /^black\.friday/ }), "ltv")).toBe("₽2.00"));
    expect(chartRows(1)).toEqual([
      ["black.friday", "₽2.00", "₽4.50"],
      ["(none)", "₽3.00", "—"],
    ]);
    expect(col(within(screen.getByTestId("retention-groups")).getByRole("row", { name: /^All users/ }), "ltv")).toBe("₽2.00");
  });

  it("says when there are no cohorts, and shows the API's error", async () => {
    renderApp({ url: URL_3_WEEKS, answers: { ...answers, retention: (url: URL) => json({ ...answer(url), cohorts: [], groups: [] }) } });
    expect(await screen.findAllByText("No data for these filters.")).toHaveLength(2);
    cleanup();
    renderApp({ url: URL_3_WEEKS, answers: { ...answers, retention: () => json({ error: { code: "invalid_query", message: "from: the range holds more than 366 cohorts" } }, 400) } });
    expect((await screen.findAllByRole("alert"))[0]!.textContent).toContain("from: the range holds more than 366 cohorts");
  });

  it("keeps the previous triangle on screen while a new definition loads", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    renderApp({
      url: URL_3_WEEKS,
      answers: { ...answers, retention: async (url: URL) => (url.searchParams.get("periods") === "12" && !url.searchParams.has("breakdown") ? (await held, json(answer(url))) : json(answer(url))) },
    });
    await screen.findByTestId("retention-triangle");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Periods" }), "12");
    expect(await screen.findByText("Updating…")).toBeTruthy();
    expect(cellButton("2026-11-02", 1)!.textContent).toBe("40%");
    release();
    await waitFor(() => expect(screen.queryByText("Updating…")).toBeNull());
  });

  it("speaks Russian", async () => {
    renderApp({ url: URL_3_WEEKS, answers, locale: "ru" });
    await screen.findByTestId("retention-triangle");
    expect(screen.getByRole("link", { name: "Удержание" })).toBeTruthy();
    expect(screen.getByRole("combobox", { name: "Когорты по" })).toBeTruthy();
    expect(screen.getByText(/^Когорта — пользователи, у которых первый визит пришёлся на один и тот же период \(неделя\)/)).toBeTruthy();
    expect(screen.getByRole("combobox", { name: "Возврат — это" })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Кривые удержания" })).toBeTruthy();
    expect(cellButton("2026-11-02", 1)!.getAttribute("aria-label")).toBe(`2 нояб. 2026 г., период 1: 40 из 100 пользователей, ${createFormat("ru").percent(0.4)}`);
    expect(await screen.findByRole("heading", { name: "LTV и CAC по кампаниям" })).toBeTruthy();
    expect(screen.getByTestId("retention-scale").textContent).toContain(`от ${createFormat("ru").percent(0)} до ${createFormat("ru").percent(0.4)} и выше.`);
  });

  it("every control has a name and every table a caption", async () => {
    renderApp({ url: `${URL_3_WEEKS}&cell=2026-11-02:1`, answers });
    await screen.findByTestId("retention-users");
    await screen.findByTestId("ltv-cac-table");
    const controls = [...document.querySelectorAll<HTMLElement>("input, select, button, a[href], summary")];
    const unnamed = controls.filter((c) => !(c.getAttribute("aria-label") || (c as HTMLInputElement).labels?.[0]?.textContent?.trim() || c.textContent?.trim()));
    expect(unnamed.map((c) => c.outerHTML.slice(0, 100))).toEqual([]);
    for (const table of document.querySelectorAll("table.data")) expect(table.querySelector("caption")?.textContent?.trim() || table.closest("section[aria-labelledby]"), table.outerHTML.slice(0, 80)).toBeTruthy();
  });
});
