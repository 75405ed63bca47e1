// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { EventsResponse, ExplorerEvent } from "@chatfunnel/schemas";
import { json, renderApp } from "./harness.js";
import { eventTypes, explorerEvent, funnel, linkReport, links } from "./fixtures.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
});

const page = (events: ExplorerEvent[], next: string | null = null): EventsResponse => ({ events, next });

describe("events page", () => {
  it("lists events newest first with type, channel, user, bot, local time, attribution and properties", async () => {
    const app = renderApp({
      url: "/events?range=7d&tz=Europe/Moscow",
      answers: {
        events: page([
          explorerEvent({ id: "e2", type: "order", revenue: 2490, currency: "RUB", properties: { plan: "pro", items: "3", gift: "true", coupon: "BF" }, source: undefined }),
          explorerEvent({ id: "e1" }),
        ]),
        "event-types": eventTypes(),
      },
    });
    const table = await screen.findByTestId("events-table");
    const rows = [...table.querySelectorAll("tbody tr")] as HTMLElement[];
    expect(rows.map((r) => r.dataset.eventId)).toEqual(["e2", "e1"]);
    const first = rows[1]!;
    expect(first.querySelector('[data-field="type"]')?.textContent).toBe("bot_started");
    expect(first.querySelector('[data-field="channel"]')?.textContent).toBe("Telegram");
    expect(first.querySelector('[data-field="user"]')?.textContent).toBe("tg-42");
    expect(first.querySelector('[data-field="bot"]')?.textContent).toBe("shop_bot");
    // 10:00:05 UTC is 13:00:05 in Moscow: the page's time zone, with seconds.
    expect(first.querySelector("time")?.textContent).toBe("May 2, 2026, 1:00:05 PM");
    expect(first.querySelector('[data-field="attribution"]')?.textContent).toBe("black_friday · vk_ads / cpc · payload: bf_2026");
    const order = rows[0]!;
    expect(order.querySelector("summary")?.textContent).toBe("₽2,490.00 · plan=pro · items=3 · gift=true +1 more");
    // The whole stored event is one click away.
    await userEvent.click(order.querySelector("summary") as HTMLElement);
    const stored = JSON.parse(order.querySelector("pre")?.textContent ?? "{}") as Record<string, unknown>;
    expect(stored).toMatchObject({ id: "e2", type: "order", properties: { coupon: "BF" }, receivedAt: "2026-05-02T10:00:06.120Z" });

    const request = app.requestsTo("events")[0]!;
    expect(request.searchParams.get("tz")).toBe("Europe/Moscow");
    expect(request.searchParams.get("from")).toBeTruthy();
    expect(request.searchParams.get("limit")).toBe("100");
    expect(request.searchParams.get("cursor")).toBeNull();
  });

  it("shows an event sent while the page is open without a reload, marked as new", async () => {
    let stored = [explorerEvent({ id: "e1" })];
    const app = renderApp({ url: "/events?range=7d&tz=UTC", answers: { events: () => json(page(stored)), "event-types": eventTypes() } });
    const table = await screen.findByTestId("events-table");
    expect(table.querySelectorAll("tbody tr")).toHaveLength(1);
    expect(table.querySelector("tr[data-new]")).toBeNull();
    stored = [explorerEvent({ id: "e2", type: "lead" }), ...stored];
    await waitFor(() => expect(screen.getByTestId("events-table").querySelectorAll("tbody tr")).toHaveLength(2), { timeout: 6000 });
    expect((screen.getByTestId("events-table").querySelector("tr[data-new]") as HTMLElement).dataset.eventId).toBe("e2");
    expect(app.requestsTo("events").length).toBeGreaterThanOrEqual(2);
  });

  it("stops polling while the tab is hidden and catches up when it is shown again", async () => {
    const app = renderApp({ url: "/events?range=7d&tz=UTC", answers: { events: () => json(page([explorerEvent()])), "event-types": eventTypes() } });
    await screen.findByTestId("events-table");
    await waitFor(() => expect(app.requestsTo("events").length).toBeGreaterThanOrEqual(2), { timeout: 6000 });
    act(() => {
      Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    const hiddenAt = app.requestsTo("events").length;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(app.requestsTo("events").length).toBe(hiddenAt);
    act(() => {
      Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await waitFor(() => expect(app.requestsTo("events").length).toBeGreaterThan(hiddenAt), { timeout: 3000 });
  });

  it("filters by type and user through the URL; a click on a user narrows to them", async () => {
    const app = renderApp({ url: "/events?range=7d&tz=UTC", answers: { events: page([explorerEvent()]), "event-types": eventTypes() } });
    await screen.findByTestId("events-table");
    const form = screen.getByRole("form", { name: "Event filters" });
    // The types the project sent are offered with their counts, asked for once the form is used.
    expect(app.requestsTo("event-types")).toHaveLength(0);
    await userEvent.click(within(form).getByLabelText("Event type"));
    await waitFor(() => expect(document.querySelectorAll("#explorer-event-types option").length).toBe(4));
    const options = [...document.querySelectorAll("#explorer-event-types option")].map((o) => `${(o as HTMLOptionElement).value}: ${o.textContent}`);
    expect(options[0]).toBe("message_received: 5,400 events · 900 users");
    await userEvent.type(within(form).getByLabelText("Event type"), "lead");
    await userEvent.click(within(form).getByRole("button", { name: "Show" }));
    await userEvent.type(within(form).getByLabelText("Add type"), "order");
    await userEvent.click(within(form).getByRole("button", { name: "Show" }));
    expect(new URL(window.location.href).searchParams.getAll("type")).toEqual(["lead", "order"]);
    await waitFor(() => expect(app.requestsTo("events").at(-1)?.searchParams.getAll("type")).toEqual(["lead", "order"]));

    await userEvent.click(screen.getByRole("button", { name: "Only events of user tg-42" }));
    expect(new URL(window.location.href).searchParams.get("user")).toBe("tg-42");
    await waitFor(() => expect(app.requestsTo("events").at(-1)?.searchParams.get("userId")).toBe("tg-42"));
    expect((within(form).getByLabelText("User id") as HTMLInputElement).value).toBe("tg-42");

    await userEvent.click(within(form).getByRole("button", { name: "Remove type lead" }));
    expect(new URL(window.location.href).searchParams.getAll("type")).toEqual(["order"]);
    await userEvent.click(within(form).getByRole("button", { name: "Clear" }));
    expect(new URL(window.location.href).searchParams.getAll("type")).toEqual([]);
    expect(new URL(window.location.href).searchParams.get("user")).toBeNull();
  });

  it("polls only the newest page, merges new events on top, and keeps older pages loaded through the cursor", async () => {
    let head = [explorerEvent({ id: "new1", timestamp: "2026-05-02T10:00:05.000Z" })];
    const app = renderApp({
      url: "/events?range=7d&tz=UTC",
      answers: {
        events: (url: URL) =>
          json(
            url.searchParams.get("cursor") === "c1"
              ? page([explorerEvent({ id: "old1", timestamp: "2026-05-01T09:00:00.000Z" }), explorerEvent({ id: "old2", timestamp: "2026-05-01T08:00:00.000Z" })])
              : page(head, "c1"),
          ),
        "event-types": eventTypes(),
      },
    });
    const rows = () => [...screen.getByTestId("events-table").querySelectorAll("tbody tr")].map((r) => (r as HTMLElement).dataset.eventId);
    await screen.findByTestId("events-table");
    expect(screen.getByTestId("live-state").textContent).toContain("every 2 seconds");
    await userEvent.click(screen.getByRole("button", { name: "Load older events" }));
    await waitFor(() => expect(rows()).toEqual(["new1", "old1", "old2"]));
    expect(app.requestsTo("events").filter((u) => u.searchParams.get("cursor") === "c1")).toHaveLength(1);
    expect(screen.getByText("No older events in this period.")).toBeTruthy();

    // A new event arrives: it goes on top, the older pages stay.
    head = [explorerEvent({ id: "new2", timestamp: "2026-05-02T10:00:07.000Z" }), ...head];
    await waitFor(() => expect(rows()).toEqual(["new2", "new1", "old1", "old2"]), { timeout: 6000 });
    // Polls ask for the period's newest page, as the first read did; older pages are not asked again.
    const [first, ...polls] = app.requestsTo("events").filter((u) => u.searchParams.get("cursor") === null);
    expect(polls.length).toBeGreaterThan(0);
    for (const poll of polls) expect(poll.search).toBe(first!.search);
    expect(app.requestsTo("events").filter((u) => u.searchParams.get("cursor") === "c1")).toHaveLength(1);
  });

  it("does not poll a period that ended before today", async () => {
    const app = renderApp({ url: "/events?from=2026-01-01&to=2026-01-31&tz=UTC", answers: { events: page([explorerEvent()]), "event-types": eventTypes() } });
    await screen.findByTestId("events-table");
    expect(screen.getByTestId("live-state").textContent).toBe("This period ended before today: no new events arrive in it.");
    expect((screen.getByRole("checkbox", { name: "Live updates" }) as HTMLInputElement).disabled).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(app.requestsTo("events")).toHaveLength(1);
  });

  it("with no events yet, tells the developer how to send the first one to this server", async () => {
    renderApp({ url: "/events?range=7d&tz=UTC", answers: { events: page([]), "event-types": { types: [] } } });
    const empty = await screen.findByTestId("events-empty");
    const curl = within(empty).getByTestId("curl-example").textContent ?? "";
    expect(curl).toContain(`${window.location.origin}/v1/events`);
    expect(curl).toContain("Bearer <WRITE_KEY>");
    expect(within(empty).getByText(/cf\.telegram\.grammy\(\)/)).toBeTruthy();
    expect(within(empty).getByRole("button", { name: "Copy With curl" })).toBeTruthy();
  });

  it("with filters that match nothing, says so and offers to clear them instead of the setup guide", async () => {
    renderApp({ url: "/events?range=7d&tz=UTC&type=lead", answers: { events: page([]), "event-types": eventTypes() } });
    expect(await screen.findByText("No events match these filters in this period.")).toBeTruthy();
    expect(screen.queryByTestId("events-empty")).toBeNull();
    await userEvent.click(screen.getAllByRole("button", { name: "Clear" })[0]!);
    expect(new URL(window.location.href).searchParams.getAll("type")).toEqual([]);
  });

  it("speaks Russian", async () => {
    renderApp({ url: "/events?range=7d&tz=UTC", locale: "ru", answers: { events: page([explorerEvent()]), "event-types": eventTypes() } });
    await screen.findByTestId("events-table");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("События");
    expect(screen.getByRole("columnheader", { name: "Атрибуция" })).toBeTruthy();
    expect(document.querySelector("time")?.textContent).toBe("2 мая 2026 г., 10:00:05");
  });
});

describe("links page", () => {
  it("lists each link with its URL and figures, and copies the URL", async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    renderApp({ url: "/links?range=30d&tz=UTC", answers: { links: links() } });
    const table = await screen.findByTestId("links-table");
    const vk = table.querySelector('tr[data-link-id="lnk_1"]') as HTMLElement;
    const cell = (row: HTMLElement, metric: string) => row.querySelector(`[data-metric="${metric}"]`)?.textContent;
    expect(cell(vk, "users")).toBe("320");
    expect(cell(vk, "leads")).toBe("40");
    expect(cell(vk, "orders")).toBe("8");
    expect(cell(vk, "revenue")).toBe("₽19,920.00");
    expect(cell(vk, "spend")).toBe("₽12,000.00");
    expect(cell(vk, "cpl")).toBe("₽300.00");
    expect(cell(vk, "cpo")).toBe("₽1,500.00");
    expect(within(vk).getByText("https://t.me/shop_bot?start=bf26vk")).toBeTruthy();
    const wa = table.querySelector('tr[data-link-id="lnk_2"]') as HTMLElement;
    expect(cell(wa, "cpl")).toBe("—");
    // Without a name, the campaign names the link.
    expect(wa.querySelector(".link-name")?.textContent).toBe("spring");

    await userEvent.click(within(vk).getByRole("button", { name: "Copy VK ad, November" }));
    expect(writeText).toHaveBeenCalledWith("https://t.me/shop_bot?start=bf26vk");
    expect(await within(vk).findByText("Copied")).toBeTruthy();
  });

  it("copies through a selected textarea where the clipboard API is missing (plain http)", async () => {
    Object.defineProperty(navigator, "clipboard", { value: undefined, configurable: true });
    let copied = "";
    document.execCommand = vi.fn((command: string) => {
      const area = document.querySelector("textarea");
      copied = command === "copy" && area && area.selectionEnd - area.selectionStart === area.value.length ? area.value : "";
      return true;
    });
    renderApp({ url: "/links?range=30d&tz=UTC", answers: { links: links() } });
    const table = await screen.findByTestId("links-table");
    await userEvent.click(within(table.querySelector('tr[data-link-id="lnk_1"]') as HTMLElement).getByRole("button", { name: "Copy VK ad, November" }));
    expect(copied).toBe("https://t.me/shop_bot?start=bf26vk");
    expect(document.querySelector("textarea")).toBeNull();
  });

  it("creates a link from the form, shows its URL and lists it", async () => {
    let body: unknown;
    let list = links([]);
    const created = linkReport({ id: "lnk_new", code: "tg_ny", url: "https://t.me/shop_bot?start=tg_ny", campaign: "new_year", name: null, source: "tg_ads", medium: null, users: 0, leads: 0, orders: 0, cpl: null, cpo: null });
    const app = renderApp({
      url: "/links?range=30d&tz=UTC",
      answers: {
        links: async (_url: URL, init?: RequestInit) => {
          if (init?.method === "POST") {
            body = JSON.parse(String(init.body));
            list = links([created]);
            const { users: _u, leads: _l, orders: _o, revenue: _r, spend: _s, cpl: _c, cpo: _p, ...link } = created;
            return json(link, 201);
          }
          return json(list);
        },
      },
    });
    expect(await screen.findByText(/No tracked links yet/)).toBeTruthy();
    const form = screen.getByRole("form", { name: "New tracked link" });
    await userEvent.type(within(form).getByLabelText("Bot username"), "shop_bot");
    await userEvent.type(within(form).getByLabelText("Campaign"), "new_year");
    await userEvent.click(within(form).getByText("More attribution fields"));
    await userEvent.type(within(form).getByLabelText("Source"), "tg_ads");
    await userEvent.click(within(form).getByRole("button", { name: "Create link" }));
    expect(body).toEqual({ channel: "telegram", target: "shop_bot", campaign: "new_year", source: "tg_ads" });
    expect((await screen.findByTestId("created-url")).textContent).toBe("https://t.me/shop_bot?start=tg_ny");
    await waitFor(() => expect(screen.getByTestId("links-table").querySelector('tr[data-link-id="lnk_new"]')).toBeTruthy());
    expect(app.requestsTo("links").length).toBeGreaterThanOrEqual(3);
    // The messenger and bot stay for the next link; the campaign is cleared.
    expect((within(form).getByLabelText("Bot username") as HTMLInputElement).value).toBe("shop_bot");
    expect((within(form).getByLabelText("Campaign") as HTMLInputElement).value).toBe("");
  });

  it("puts the API's 400 beside the field it names", async () => {
    renderApp({
      url: "/links?range=30d&tz=UTC",
      answers: {
        links: async (_url: URL, init?: RequestInit) =>
          init?.method === "POST"
            ? json({ error: { code: "invalid_parameter", message: "invalid parameter 'target': must be a bot username", details: [{ path: "target", message: "must be a bot username (5-32 of A-Za-z0-9_, ending in 'bot')" }] } }, 400)
            : json(links([])),
      },
    });
    await screen.findByText(/No tracked links yet/);
    const form = screen.getByRole("form", { name: "New tracked link" });
    await userEvent.type(within(form).getByLabelText("Bot username"), "shop");
    await userEvent.type(within(form).getByLabelText("Campaign"), "x");
    await userEvent.click(within(form).getByRole("button", { name: "Create link" }));
    const target = within(form).getByLabelText("Bot username");
    await waitFor(() => expect(target.getAttribute("aria-invalid")).toBe("true"));
    const message = document.getElementById(target.getAttribute("aria-describedby")!.split(" ")[0]!);
    expect(message?.textContent).toBe("must be a bot username (5-32 of A-Za-z0-9_, ending in 'bot')");
    expect(message?.closest('[data-field="target"]')).toBeTruthy();
    expect(within(form).getByLabelText("Campaign").getAttribute("aria-invalid")).toBeNull();
    expect(screen.queryByText(/Could not create/)).toBeNull();
    // Typing a new value clears the stale message.
    await userEvent.type(target, "_bot");
    expect(target.getAttribute("aria-invalid")).toBeNull();
  });

  it("says above the button when the API refuses without naming a field", async () => {
    renderApp({
      url: "/links?range=30d&tz=UTC",
      answers: { links: async (_url: URL, init?: RequestInit) => (init?.method === "POST" ? json({ error: { code: "unavailable", message: "storage is busy" } }, 503) : json(links([]))) },
    });
    await screen.findByText(/No tracked links yet/);
    const form = screen.getByRole("form", { name: "New tracked link" });
    await userEvent.type(within(form).getByLabelText("Bot username"), "shop_bot");
    await userEvent.type(within(form).getByLabelText("Campaign"), "x");
    await userEvent.click(within(form).getByRole("button", { name: "Create link" }));
    expect((await within(form).findByRole("alert")).textContent).toBe("Could not create the link: storage is busy");
    expect(form.querySelector("[aria-invalid]")).toBeNull();
    expect(screen.queryByTestId("created-link")).toBeNull();
  });

  it("asks for the ad id only for WhatsApp, and sends it", async () => {
    let body: unknown;
    renderApp({
      url: "/links?range=30d&tz=UTC",
      answers: {
        links: async (_url: URL, init?: RequestInit) => {
          if (init?.method !== "POST") return json(links([]));
          body = JSON.parse(String(init.body));
          return json({ ...linkReport(), channel: "whatsapp" }, 201);
        },
      },
    });
    await screen.findByText(/No tracked links yet/);
    const form = screen.getByRole("form", { name: "New tracked link" });
    expect(within(form).queryByLabelText("Click-to-WhatsApp ad id")).toBeNull();
    await userEvent.selectOptions(within(form).getByLabelText("Messenger"), "whatsapp");
    await userEvent.type(within(form).getByLabelText("WhatsApp number (digits, with country code)"), "79991234567");
    await userEvent.type(within(form).getByLabelText("Campaign"), "ctwa");
    await userEvent.type(within(form).getByLabelText("Click-to-WhatsApp ad id"), "120208");
    await userEvent.click(within(form).getByRole("button", { name: "Create link" }));
    await waitFor(() => expect(body).toEqual({ channel: "whatsapp", target: "79991234567", campaign: "ctwa", adId: "120208" }));
  });

  it("deletes a link only after confirmation", async () => {
    let list = links();
    const deletes: string[] = [];
    const app = renderApp({
      url: "/links?range=30d&tz=UTC",
      answers: {
        links: () => json(list),
        "links/lnk_1": async (url: URL, init?: RequestInit) => {
          if (init?.method !== "DELETE") return json({ error: { code: "not_found", message: "no" } }, 404);
          deletes.push(url.pathname);
          list = links(list.links.filter((l) => l.id !== "lnk_1"));
          return new Response(null, { status: 204 });
        },
      },
    });
    const table = await screen.findByTestId("links-table");
    const row = table.querySelector('tr[data-link-id="lnk_1"]') as HTMLElement;
    await userEvent.click(within(row).getByRole("button", { name: "Delete VK ad, November" }));
    const confirm = within(row).getByRole("group", { name: "Delete VK ad, November" });
    expect(confirm.textContent).toContain("Events already attributed keep their campaign.");
    // Focus is on the harmless choice.
    expect(document.activeElement).toBe(within(confirm).getByRole("button", { name: "Cancel" }));
    await userEvent.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(deletes).toEqual([]);
    await userEvent.click(within(row).getByRole("button", { name: "Delete VK ad, November" }));
    await userEvent.click(within(row).getByRole("button", { name: "Yes, delete" }));
    await waitFor(() => expect(deletes).toEqual(["/api/v1/links/lnk_1"]));
    // Asked again after the deletion: the row is gone.
    await waitFor(() => expect(screen.getByTestId("links-table").querySelector('tr[data-link-id="lnk_1"]')).toBeNull());
    expect(app.requestsTo("links").length).toBe(2);
  });

  it("opens a link's funnel: bot start → lead → order for its campaign and messenger, over the same period", async () => {
    renderApp({ url: "/links?range=7d&tz=Europe/Moscow", answers: { links: links(), funnel: funnel(), "event-types": eventTypes() } });
    const table = await screen.findByTestId("links-table");
    const row = table.querySelector('tr[data-link-id="lnk_1"]') as HTMLElement;
    await userEvent.click(within(row).getByRole("link", { name: "Funnel of VK ad, November: bot start → lead → order" }));
    const params = new URL(window.location.href).searchParams;
    expect(window.location.pathname).toBe("/funnel");
    expect(params.getAll("steps")).toEqual(["bot_started", "lead", "order"]);
    expect(params.get("campaign")).toBe("black_friday");
    expect(params.getAll("channel")).toEqual(["telegram"]);
    expect(params.get("range")).toBe("7d");
    expect(params.get("tz")).toBe("Europe/Moscow");
    expect(await screen.findByTestId("funnel-chart")).toBeTruthy();
  });
});

describe("funnel builder", () => {
  it("offers the types the project has sent, with counts, then reserved ones not seen yet, and warns about an unseen type", async () => {
    const app = renderApp({ url: "/funnel?range=30d&tz=UTC&steps=bot_started&steps=lead", answers: { funnel: funnel(), "event-types": eventTypes() } });
    await screen.findByTestId("funnel-chart");
    // Asked for once the builder is used, not while the funnel loads.
    expect(app.requestsTo("event-types")).toHaveLength(0);
    await userEvent.click(within(screen.getByRole("group", { name: "Step 1" })).getByLabelText("Event type"));
    await waitFor(() => expect(document.querySelectorAll("#event-types option").length).toBeGreaterThan(4));
    const options = [...document.querySelectorAll("#event-types option")].map((o) => [(o as HTMLOptionElement).value, o.textContent]);
    expect(options.slice(0, 4)).toEqual([
      ["message_received", "5,400 events · 900 users"],
      ["bot_started", "1,000 events · 1,000 users"],
      ["lead", "150 events · 140 users"],
      ["quiz_passed", "12 events · 12 users"],
    ]);
    expect(options).toContainEqual(["order", "not seen yet"]);
    expect(options.filter(([type]) => type === "lead")).toHaveLength(1);
    expect(app.requestsTo("event-types")).toHaveLength(1);

    // Free text stays allowed, and a type never seen gets a word of warning.
    const second = screen.getByRole("group", { name: "Step 2" });
    const input = within(second).getByLabelText("Event type");
    await userEvent.clear(input);
    await userEvent.type(input, "leed");
    expect(within(second).getByText(/No leed events in the last 30 days/)).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));
    expect(new URL(window.location.href).searchParams.getAll("steps")).toEqual(["bot_started", "leed"]);
    await userEvent.clear(input);
    await userEvent.type(input, "quiz_passed");
    expect(within(second).queryByText(/in the last 30 days/)).toBeNull();
  });

  it("still offers the reserved types when the list cannot be loaded", async () => {
    renderApp({ url: "/funnel?range=30d&tz=UTC", answers: { funnel: funnel() } });
    await screen.findByTestId("funnel-chart");
    const values = [...document.querySelectorAll("#event-types option")].map((o) => (o as HTMLOptionElement).value);
    expect(values).toContain("lead");
    expect(screen.queryByText(/in the last 30 days/)).toBeNull();
  });
});
