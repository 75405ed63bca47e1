// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { DEFAULT_PATHS_DEPTH, DEFAULT_PATHS_START, MAX_PATHS_DEPTH, MIN_PATHS_DEPTH, type PathNodeUsersResponse, type PathsResponse, type SurveysResponse } from "@chatfunnel/schemas";
import { funnelWindowSeconds } from "@chatfunnel/contract";
import { json, renderApp } from "./harness.js";
import { DEFAULT_DEPTH, DEFAULT_START, PATHS_DEPTHS } from "../../../dashboard/src/paths/limits.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const range = { from: "2026-04-05T00:00:00.000Z", to: "2026-05-05T00:00:00.000Z", tz: "UTC" };

const surveys = (): SurveysResponse => ({
  range,
  windowSeconds: 604_800,
  questions: [
    {
      question: "source",
      responses: 12,
      users: 10,
      otherResponses: 3,
      answers: [
        { answer: "friend", responses: 7, users: 6, leadShare: 0.5, orderShare: 1 / 6 },
        { answer: null, responses: 2, users: 2, leadShare: 0, orderShare: null },
      ],
    },
    { question: "csat", responses: 4, users: 4, otherResponses: 0, answers: [{ answer: "5", responses: 4, users: 4, leadShare: 0.25, orderShare: 0 }] },
  ],
});

const paths = (): PathsResponse => ({
  range,
  start: "bot_started",
  depth: 5,
  users: 40,
  nodes: [
    { step: 1, kind: "type", label: "bot_started", users: 40, endedUsers: 5 },
    { step: 2, kind: "button", label: "catalog", users: 25, endedUsers: 10 },
    { step: 2, kind: "node", label: "menu", users: 10, endedUsers: 10 },
  ],
  links: [
    { from: 0, to: 1, users: 25 },
    { from: 0, to: 2, users: 10 },
  ],
});

const nodeUsers = (): PathNodeUsersResponse => ({
  step: 2,
  kind: "button",
  label: "catalog",
  total: 2,
  limit: 100,
  offset: 0,
  users: [
    { channel: "telegram", userId: "tg-1", ended: true },
    { channel: "vk", userId: "vk-2", ended: false },
  ],
});

describe("surveys page", () => {
  it("shows each question's answers with responses, users and the lead / order share, the null answer named", async () => {
    renderApp({ url: "/surveys?range=30d&tz=UTC", answers: { surveys: surveys() } });
    const panels = await screen.findAllByTestId("survey-question");
    expect(panels).toHaveLength(2);
    const source = panels[0]!;
    expect(within(source).getByRole("heading", { name: "source" })).toBeTruthy();
    expect(within(source).getByRole("group", { name: "Answers to “source”: responses" })).toBeTruthy();
    const table = source.querySelector("table.data") as HTMLElement;
    const friend = within(table).getByRole("row", { name: /^friend/ });
    expect(friend.querySelector('[data-col="responses"]')?.textContent).toBe("7");
    expect(friend.querySelector('[data-col="users"]')?.textContent).toBe("6");
    expect(friend.querySelector('[data-col="leadShare"]')?.textContent).toBe("50%");
    expect(friend.querySelector('[data-col="orderShare"]')?.textContent).toBe("16.7%");
    const none = within(table).getByRole("row", { name: /^\(none\)/ });
    expect(none.querySelector('[data-col="orderShare"]')?.textContent).toBe("—");
    expect(within(source).getByText("Other answers (beyond the top 50): 3 responses")).toBeTruthy();
  });

  it("speaks Russian", async () => {
    renderApp({ url: "/surveys?range=30d&tz=UTC", locale: "ru", answers: { surveys: surveys() } });
    const panels = await screen.findAllByTestId("survey-question");
    expect(within(panels[0]!).getAllByText("Доля с лидом за 7 дней").length).toBeGreaterThan(0);
    expect(screen.getByRole("combobox", { name: "Лиды и заказы за" })).toBeTruthy();
    expect(within(panels[0]!).getByText("ответов: 12, пользователей: 10")).toBeTruthy();
  });
});

describe("surveys: the conversion window", () => {
  // The fake API answers with the window it was asked, as the real one does.
  const answers = { surveys: (url: URL) => json({ ...surveys(), windowSeconds: funnelWindowSeconds(url.searchParams.get("window") ?? "") ?? 0 }) };
  const shareHeaders = () => screen.getAllByRole("columnheader").map((th) => th.textContent).filter((text) => text?.includes("share"));
  const picker = () => screen.getByRole("combobox", { name: "Leads and orders within" }) as HTMLSelectElement;

  it("asks 7 days by default and names it in the share columns and the note", async () => {
    const app = renderApp({ url: "/surveys?range=30d&tz=UTC", answers });
    await screen.findAllByTestId("survey-question");
    expect(picker().value).toBe("7d");
    expect(new Set(shareHeaders())).toEqual(new Set(["Lead share within 7 days", "Order share within 7 days"]));
    expect(screen.getByText(/those with a lead \/ an order within 7 days after it/)).toBeTruthy();
    expect(app.requestsTo("surveys")[0]!.searchParams.get("window")).toBe("7d");
  });

  it("puts a picked window into the URL and the query; the columns follow the answer", async () => {
    const app = renderApp({ url: "/surveys?range=30d&tz=UTC", answers });
    await screen.findAllByTestId("survey-question");
    await userEvent.selectOptions(picker(), "1h");
    expect(new URL(window.location.href).searchParams.get("window")).toBe("1h");
    await waitFor(() => expect(new Set(shareHeaders())).toEqual(new Set(["Lead share within 1 hour", "Order share within 1 hour"])));
    expect(app.requestsTo("surveys").map((u) => u.searchParams.get("window"))).toEqual(["7d", "1h"]);
  });

  it("falls back to 7 days for a window the API would refuse, without an error", async () => {
    const app = renderApp({ url: "/surveys?range=30d&tz=UTC&window=100d", answers });
    await screen.findAllByTestId("survey-question");
    expect(picker().value).toBe("7d");
    expect(app.requestsTo("surveys").map((u) => u.searchParams.get("window"))).toEqual(["7d"]);
    expect(screen.queryByRole("alert")).toBeNull();
  });
});

describe("paths page", () => {
  const answers = {
    paths: paths(),
    "paths/users": (url: URL) =>
      url.searchParams.get("format") === "csv" ? new Response("channel,userId,ended\r\ntelegram,tg-1,true\r\n", { headers: { "Content-Type": "text/csv" } }) : json(nodeUsers()),
  };

  it("offers the API's depths and defaults", () => {
    expect([...PATHS_DEPTHS]).toEqual(Array.from({ length: MAX_PATHS_DEPTH - MIN_PATHS_DEPTH + 1 }, (_, i) => MIN_PATHS_DEPTH + i));
    expect(DEFAULT_DEPTH).toBe(DEFAULT_PATHS_DEPTH);
    expect(DEFAULT_START).toBe(DEFAULT_PATHS_START);
  });

  it("lists the nodes with users and ended users; the depth goes into the URL and the query", async () => {
    const app = renderApp({ url: "/paths?range=30d&tz=UTC", answers });
    const rows = await screen.findAllByTestId("path-node-row");
    expect(rows).toHaveLength(3);
    expect(rows[1]!.querySelector("th")?.textContent).toBe("catalog");
    expect(rows[1]!.querySelector('[data-col="users"]')?.textContent).toBe("25");
    expect(rows[1]!.querySelector('[data-col="endedUsers"]')?.textContent).toBe("10");
    expect(app.requestsTo("paths")[0]!.searchParams.get("depth")).toBe("5");
    await userEvent.selectOptions(screen.getByLabelText("Steps"), "8");
    expect(new URL(window.location.href).searchParams.get("depth")).toBe("8");
    await waitFor(() => expect(app.requestsTo("paths").some((u) => u.searchParams.get("depth") === "8")).toBe(true));
  });

  it("a node's users: listed with whether their path ends there, and downloadable as CSV", async () => {
    const created = vi.fn((_blob: Blob) => "blob:paths");
    URL.createObjectURL = created as unknown as typeof URL.createObjectURL;
    URL.revokeObjectURL = vi.fn();
    const app = renderApp({ url: "/paths?range=30d&tz=UTC", answers });
    const rows = await screen.findAllByTestId("path-node-row");
    await userEvent.click(within(rows[1]!).getByRole("button", { name: "Users" }));
    const list = await screen.findByTestId("path-users");
    expect(within(list).getByRole("heading", { name: "Users at step 2: catalog" })).toBeTruthy();
    await within(list).findByText("tg-1");
    const request = app.requestsTo("paths/users")[0]!;
    expect([request.searchParams.get("step"), request.searchParams.get("kind"), request.searchParams.get("label"), request.searchParams.get("depth")]).toEqual(["2", "button", "catalog", "5"]);
    expect(within(list).getByRole("row", { name: /tg-1/ }).textContent).toContain("yes");
    await userEvent.click(within(list).getByRole("button", { name: "Export CSV" }));
    await waitFor(() => expect(created).toHaveBeenCalled());
    expect(await created.mock.calls[0]![0].text()).toBe("channel,userId,ended\r\ntelegram,tg-1,true\r\n");
    expect(app.requestsTo("paths/users").some((u) => u.searchParams.get("format") === "csv")).toBe(true);
  });
});
