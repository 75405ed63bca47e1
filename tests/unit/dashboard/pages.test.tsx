// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { json, renderApp } from "./harness.js";
import { channels, costs, dropoff, engagement, funnel, repeat, timeseries } from "./fixtures.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const series = { timeseries: (url: URL) => json(timeseries(url.searchParams.get("metric") as "users", [0.5, null, 0.25])) };

describe("funnel page", () => {
  const answers = {
    funnel: funnel(),
    "funnel/dropoff": (url: URL) =>
      url.searchParams.get("format") === "csv" ? new Response("channel,userId,reachedAt\ntelegram,tg-42,2026-05-02T10:00:00.000Z\n", { headers: { "Content-Type": "text/csv" } }) : json(dropoff()),
  };

  it("draws each step with conversion, drop-off and time to convert", async () => {
    renderApp({ url: "/funnel?range=30d&tz=UTC", answers });
    const chart = await screen.findByTestId("funnel-chart");
    const lead = chart.querySelector('[data-step="3"]') as HTMLElement;
    expect(lead.querySelector('[data-metric="users"]')?.textContent).toBe("150");
    expect(lead.querySelector('[data-metric="conversionFromFirst"]')?.textContent).toBe("15%");
    expect(lead.querySelector('[data-metric="conversionFromPrevious"]')?.textContent).toBe("25%");
    expect(lead.querySelector('[data-metric="dropOff"]')?.textContent).toBe("450 (75%)");
    expect(lead.querySelector('[data-metric="medianSecondsToConvert"]')?.textContent).toBe("30 min");
    expect(lead.querySelector('[data-metric="meanSecondsToConvert"]')?.textContent).toBe("45 min");
    expect(lead.querySelector('[data-metric="medianSecondsFromPrevious"]')?.textContent).toBe("10 min");
    expect(lead.querySelector('[data-metric="meanSecondsFromPrevious"]')?.textContent).toBe("15 min");
  });

  it("builds a funnel with a property filter, window, mode and breakdown into the URL and the query", async () => {
    const app = renderApp({ url: "/funnel?range=30d&tz=UTC", answers });
    await screen.findByTestId("funnel-chart");
    await userEvent.click(screen.getByRole("button", { name: "+ Add step" }));
    const fifth = screen.getByRole("group", { name: "Step 5" });
    await userEvent.type(within(fifth).getByLabelText("Event type"), "payment");
    await userEvent.click(within(fifth).getByRole("button", { name: "+ Add property filter" }));
    await userEvent.type(within(fifth).getByLabelText("Property"), "plan");
    await userEvent.type(within(fifth).getByLabelText("Value"), "pro");
    await userEvent.click(within(fifth).getByRole("button", { name: "Done" }));
    expect(within(fifth).getByRole("button", { name: "Edit filter plan = pro" })).toBeTruthy();
    const windowAmount = screen.getByRole("spinbutton", { name: "Conversion window" });
    await userEvent.clear(windowAmount);
    await userEvent.type(windowAmount, "12");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Conversion window" }), "h");
    await userEvent.selectOptions(screen.getByLabelText("Mode"), "strict");
    await userEvent.selectOptions(screen.getByLabelText("Breakdown"), "channel");
    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));

    const params = new URL(window.location.href).searchParams;
    expect(params.getAll("steps")).toEqual(["bot_started", "message_received", "lead", "order", "payment[plan=pro]"]);
    expect(params.get("window")).toBe("12h");
    expect(params.get("mode")).toBe("strict");
    expect(params.get("breakdown")).toBe("channel");
    await waitFor(() => expect(app.requestsTo("funnel").length).toBe(2));
    const request = app.requestsTo("funnel")[1]!;
    expect(request.searchParams.getAll("steps")).toEqual(params.getAll("steps"));
    expect(request.searchParams.get("window")).toBe("12h");
    expect(request.searchParams.get("range")).toBeNull();
    expect(request.searchParams.get("from")).toBeTruthy();
  });

  it("lists the users who dropped at a clicked step and downloads them as CSV", async () => {
    const created: Blob[] = [];
    URL.createObjectURL = vi.fn((blob: Blob) => {
      created.push(blob);
      return "blob:fake";
    });
    URL.revokeObjectURL = vi.fn();
    const clicks = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    const app = renderApp({ url: "/funnel?range=30d&tz=UTC", answers });
    await screen.findByTestId("funnel-chart");
    await userEvent.click(screen.getByRole("button", { name: "Who dropped before step 3" }));
    expect(new URL(window.location.href).searchParams.get("dropoff")).toBe("3");
    const list = await screen.findByTestId("dropoff");
    expect(await within(list).findByText("tg-42")).toBeTruthy();
    expect(within(list).getByText("vk-7")).toBeTruthy();
    expect(app.requestsTo("funnel/dropoff")[0]?.searchParams.get("step")).toBe("3");

    await userEvent.click(within(list).getByRole("button", { name: "Export CSV" }));
    await waitFor(() => expect(clicks).toHaveBeenCalled());
    const csvRequest = app.requestsTo("funnel/dropoff").find((u) => u.searchParams.get("format") === "csv");
    expect(csvRequest?.searchParams.get("step")).toBe("3");
    expect(await created[0]?.text()).toContain("tg-42");
    const anchor = clicks.mock.contexts[0] as HTMLAnchorElement;
    expect(anchor.download).toBe("funnel-dropoff-step-3.csv");
  });

  it("restores the funnel from a link", async () => {
    const app = renderApp({ url: "/funnel?range=7d&tz=UTC&steps=lead&steps=order%5Bplan%3Dpro%5D&window=30m&mode=any", answers });
    await screen.findByTestId("funnel-chart");
    expect((screen.getByLabelText("Mode") as HTMLSelectElement).value).toBe("any");
    const second = screen.getByRole("group", { name: "Step 2" });
    expect(within(second).getByRole("button", { name: "Edit filter plan = pro" })).toBeTruthy();
    expect(app.requestsTo("funnel")[0]?.searchParams.getAll("steps")).toEqual(["lead", "order[plan=pro]"]);
  });
});

describe("channels page", () => {
  it("compares channels side by side in one request, repeat share included in the channels answer", async () => {
    const app = renderApp({ url: "/channels?range=30d&tz=UTC", answers: { channels: channels(), repeat: repeat(0.9) } });
    const table = await screen.findByTestId("channels-table");
    const telegram = table.querySelector('tr[data-channel="telegram"]') as HTMLElement;
    expect(telegram.querySelector('[data-metric="users"]')?.textContent).toBe("700");
    expect(telegram.querySelector('[data-metric="cpl"]')?.textContent).toBe("₽428.57");
    expect(telegram.querySelector('[data-metric="leadConversion"]')?.textContent).toBe("10%");
    expect(telegram.querySelector('[data-metric="repeatShare"]')?.textContent).toBe("40%");
    expect(table.querySelector('tr[data-channel="whatsapp"] [data-metric="repeatShare"]')?.textContent).toBe("20%");
    expect(table.querySelector('tr[data-channel="vk"] [data-metric="cpl"]')?.textContent).toBe("—");
    expect(app.requestsTo("repeat")).toEqual([]);
    expect(app.requestsTo("channels")).toHaveLength(1);
    expect(screen.getByRole("group", { name: "Users and leads by channel" })).toBeTruthy();
  });
});

describe("costs page", () => {
  it("switches between channel and campaign, naming 'no campaign'", async () => {
    renderApp({ url: "/costs?range=30d&tz=UTC", answers: { costs: (url: URL) => json(costs(url.searchParams.get("by") === "campaign" ? "campaign" : "channel")) } });
    const table = await screen.findByTestId("costs-table");
    expect(table.querySelector('tr[data-key="telegram"] [data-metric="roas"]')?.textContent).toBe("3.33×");
    await userEvent.click(screen.getByRole("radio", { name: "By campaign" }));
    expect(new URL(window.location.href).searchParams.get("by")).toBe("campaign");
    await waitFor(() => expect(screen.getByTestId("costs-table").querySelector('tr[data-key="spring_sale"] [data-metric="cpl"]')?.textContent).toBe("₽500.00"));
    expect(screen.getByTestId("costs-table").querySelector('tr[data-key="(none)"] th')?.textContent).toBe("—");
  });

  it("uploads a CSV and lists every rejected line with its field", async () => {
    let posted = "";
    renderApp({
      url: "/costs?range=30d&tz=UTC",
      answers: {
        costs: costs(),
        spend: async (_url: URL, init?: RequestInit) => {
          posted = String(init?.body);
          return json(
            {
              error: {
                code: "invalid_parameter",
                message: "2 lines are invalid",
                details: [
                  { line: 3, field: "channel", message: "must be one of telegram, whatsapp, vk, max, viber, web, other" },
                  { line: 4, field: "amount", message: "must be ≥ 0" },
                ],
              },
            },
            400,
          );
        },
      },
    });
    await screen.findByTestId("costs-table");
    const csv = "date,channel,campaign,amount,currency\n2026-05-01,telegram,a,1,RUB\n2026-05-01,pigeon,a,1,RUB\n2026-05-01,vk,a,-1,RUB\n";
    await userEvent.upload(screen.getByLabelText("CSV file"), new File([csv], "spend.csv", { type: "text/csv" }));
    await userEvent.click(screen.getByRole("button", { name: "Upload CSV" }));
    const outcome = await screen.findByText("Some lines were rejected:");
    const items = within(outcome.parentElement as HTMLElement).getAllByRole("listitem").map((li) => li.textContent);
    expect(items).toEqual(["line 3, channel: must be one of telegram, whatsapp, vk, max, viber, web, other", "line 4, amount: must be ≥ 0"]);
    expect(posted).toBe(csv);
  });

  it("adds one spend row from the form as JSON", async () => {
    let body: unknown;
    renderApp({
      url: "/costs?range=30d&tz=UTC",
      answers: { costs: costs(), spend: async (_url: URL, init?: RequestInit) => ((body = JSON.parse(String(init?.body))), json({ imported: 1 })) },
    });
    await screen.findByTestId("costs-table");
    const form = screen.getByRole("form", { name: "Add one row" });
    await userEvent.clear(within(form).getByLabelText("Date"));
    await userEvent.type(within(form).getByLabelText("Date"), "2026-05-03");
    await userEvent.selectOptions(within(form).getByLabelText("Channel"), "vk");
    await userEvent.type(within(form).getByLabelText("Campaign"), "spring_sale");
    await userEvent.type(within(form).getByLabelText("Amount"), "1500,50");
    await userEvent.click(within(form).getByRole("button", { name: "Add spend" }));
    expect(await screen.findByText("Rows imported: 1.")).toBeTruthy();
    expect(body).toEqual({ rows: [{ date: "2026-05-03", channel: "vk", campaign: "spring_sale", amount: 1500.5, currency: "RUB" }] });
  });
});

describe("engagement page", () => {
  it("shows new users, requests, resolution, first response time and the repeat histogram", async () => {
    const app = renderApp({ url: "/engagement?range=30d&tz=UTC&interval=week", answers: { engagement: engagement(), repeat: repeat(), ...series } });
    const kpis = await screen.findByTestId("engagement");
    expect(kpis.querySelector('[data-metric="sessions"]')?.textContent).toBe("2,000");
    expect(kpis.querySelector('[data-metric="resolutionRate"]')?.textContent).toBe("50%");
    expect(kpis.querySelector('[data-metric="medianFirstResponseSeconds"]')?.textContent).toBe("1 min 15 s");
    const histogram = await screen.findByTestId("repeat-chart");
    expect([...histogram.querySelectorAll('td[data-series="users"]')].map((td) => td.textContent)).toEqual(["75", "15", "5", "3", "2"]);
    expect(document.querySelector('[data-metric="returningShare"]')?.textContent).toBe("25%");
    await waitFor(() => expect(app.requestsTo("timeseries").map((u) => u.searchParams.get("metric")).sort()).toEqual(["new_users", "resolution_rate", "sessions"]));
    expect(app.requestsTo("timeseries").map((u) => u.searchParams.get("interval"))).toEqual(["week", "week", "week"]);
    // A bucket without measured sessions is a gap, not 0 %.
    const resolution = await screen.findByTestId("trend-resolution_rate");
    expect([...resolution.querySelectorAll("td")].map((td) => td.textContent)).toEqual(["50%", "—", "25%"]);
  });
});
