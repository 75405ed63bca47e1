// @vitest-environment jsdom
/**
 * The funnel page's step menu and trends tab, the whole app in jsdom with a fake API: every choice lands in the
 * URL as the API's `steps=` text (so a link reproduces the funnel), filter chips edit in place, "or" adds an
 * alternative, and the trends tab shows the API's numbers per bucket with the interval in the URL.
 */
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { FunnelResponse, FunnelTrendsResponse, Interval } from "@chatfunnel/schemas";
import { json, renderApp } from "./harness.js";
import { eventTypes, funnel } from "./fixtures.js";

afterEach(cleanup);

const trends = (interval: Interval): FunnelTrendsResponse => ({
  range: { from: "2026-04-01T00:00:00.000Z", to: "2026-04-04T00:00:00.000Z", tz: "UTC" },
  mode: "ordered",
  windowSeconds: 7 * 86_400,
  interval,
  steps: 4,
  points:
    interval === "day"
      ? [
          { bucket: "2026-04-01", entered: 200, converted: 10, conversion: 0.05 },
          { bucket: "2026-04-02", entered: 0, converted: 0, conversion: null },
          { bucket: "2026-04-03", entered: 1234, converted: 370, conversion: 370 / 1234 },
        ]
      : [{ bucket: "2026-03-30", entered: 1434, converted: 380, conversion: 380 / 1434 }],
});

const answers = {
  funnel: funnel(),
  "event-types": eventTypes(),
  "funnel/trends": (url: URL) => json(trends((url.searchParams.get("interval") ?? "day") as Interval)),
};
const url = () => new URL(window.location.href).searchParams;
const LINK = "/funnel?range=30d&tz=UTC&steps=bot_started&steps=lead%7Corder%5Bamount%3E%3D100%5D%5Butm%3F%5D&steps=order%5Btext~%D1%86%D0%B5%D0%BD%D0%B0%5D&window=2d&mode=strict";

describe("funnel builder: the step menu", () => {
  it("shows a linked funnel's alternatives and operators as chips and writes it back unchanged", async () => {
    const app = renderApp({ url: LINK, answers });
    await screen.findByTestId("funnel-chart");
    const steps = ["bot_started", "lead|order[amount>=100][utm?]", "order[text~цена]"];
    expect(app.requestsTo("funnel")[0]?.searchParams.getAll("steps")).toEqual(steps);

    const second = screen.getByRole("group", { name: "Step 2" });
    const [lead, order] = within(second).getAllByRole("group").filter((g) => /^Alternative/.test(g.getAttribute("aria-label") ?? ""));
    expect((within(lead!).getByLabelText("Event type") as HTMLInputElement).value).toBe("lead");
    expect((within(order!).getByLabelText("Event type") as HTMLInputElement).value).toBe("order");
    expect(within(order!).getAllByRole("listitem").map((chip) => chip.querySelector(".chip-text")?.textContent)).toEqual(["amount ≥ 100", "utm is set"]);
    expect(within(screen.getByRole("group", { name: "Step 3" })).getByRole("button", { name: "Edit filter text contains цена" })).toBeTruthy();

    // Applying without an edit changes nothing: the same texts, the same request.
    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));
    expect(url().getAll("steps")).toEqual(steps);
    expect(url().get("window")).toBe("2d");
    expect(url().get("mode")).toBe("strict");
  });

  it("edits a chip in place: operator, a number checked before it is sent, presence without a value", async () => {
    const app = renderApp({ url: LINK, answers });
    await screen.findByTestId("funnel-chart");
    const second = screen.getByRole("group", { name: "Step 2" });
    await userEvent.click(within(second).getByRole("button", { name: "Edit filter amount ≥ 100" }));
    const editor = within(second).getByRole("group", { name: "Property filter" });
    await userEvent.selectOptions(within(editor).getByLabelText("Operator"), "<");
    const value = within(editor).getByLabelText("Value");
    await userEvent.clear(value);
    await userEvent.type(value, "lots");
    // Not a number: said beside the field, and neither Done nor Show funnel take it.
    expect(within(editor).getByText(/needs a number/)).toBeTruthy();
    expect((within(editor).getByRole("button", { name: "Done" }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole("button", { name: "Show funnel" }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.clear(value);
    await userEvent.type(value, "2.5");
    await userEvent.click(within(editor).getByRole("button", { name: "Done" }));
    expect(within(second).getByRole("button", { name: "Edit filter amount < 2.5" })).toBeTruthy();

    // The presence chip becomes "is not set": no value field, none sent.
    await userEvent.click(within(second).getByRole("button", { name: "Edit filter utm is set" }));
    const presence = within(second).getByRole("group", { name: "Property filter" });
    await userEvent.selectOptions(within(presence).getByLabelText("Operator"), "!?");
    expect(within(presence).queryByLabelText("Value")).toBeNull();
    await userEvent.click(within(presence).getByRole("button", { name: "Done" }));
    // × removes the third step's chip.
    await userEvent.click(within(screen.getByRole("group", { name: "Step 3" })).getByRole("button", { name: "Remove filter text contains цена" }));

    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));
    expect(url().getAll("steps")).toEqual(["bot_started", "lead|order[amount<2.5][utm!?]", "order"]);
    await waitFor(() => expect(app.requestsTo("funnel").at(-1)?.searchParams.getAll("steps")).toEqual(url().getAll("steps")));
  });

  it("'or' adds an alternative event to a step, and a filter to it; removing it leaves one", async () => {
    renderApp({ url: "/funnel?range=30d&tz=UTC&steps=bot_started&steps=lead", answers });
    await screen.findByTestId("funnel-chart");
    const second = screen.getByRole("group", { name: "Step 2" });
    await userEvent.click(within(second).getByRole("button", { name: "Or another event for step 2" }));
    const alternative = within(second).getByRole("group", { name: "Alternative 2" });
    // Empty: nothing to apply until it has a type.
    expect((screen.getByRole("button", { name: "Show funnel" }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.type(within(alternative).getByLabelText("Event type"), "order");
    await userEvent.click(within(alternative).getByRole("button", { name: "+ Add property filter" }));
    await userEvent.type(within(alternative).getByLabelText("Property"), "plan");
    await userEvent.type(within(alternative).getByLabelText("Value"), "pro");
    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));
    expect(url().getAll("steps")).toEqual(["bot_started", "lead|order[plan=pro]"]);

    // After applying, the URL's funnel shows: the filter as a chip.
    const applied = within(screen.getByRole("group", { name: "Step 2" })).getByRole("group", { name: "Alternative 2" });
    expect(within(applied).getByRole("button", { name: "Edit filter plan = pro" })).toBeTruthy();
    await userEvent.click(within(screen.getByRole("group", { name: "Step 2" })).getByRole("button", { name: "Remove alternative 1" }));
    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));
    expect(url().getAll("steps")).toEqual(["bot_started", "order[plan=pro]"]);
  });

  it("an editor opened and left empty adds nothing", async () => {
    renderApp({ url: "/funnel?range=30d&tz=UTC&steps=bot_started&steps=lead", answers });
    await screen.findByTestId("funnel-chart");
    const first = screen.getByRole("group", { name: "Step 1" });
    await userEvent.click(within(first).getByRole("button", { name: "+ Add property filter" }));
    expect(within(first).getByRole("group", { name: "Property filter" })).toBeTruthy();
    await userEvent.click(within(first).getByRole("button", { name: "Done" }));
    expect(within(first).queryByRole("group", { name: "Property filter" })).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));
    expect(url().getAll("steps")).toEqual(["bot_started", "lead"]);
  });
});

describe("funnel builder: per-step time limits", () => {
  it("adds a limit from the previous step into the step's text, shows a linked one, and says why any mode cannot apply it", async () => {
    renderApp({ url: "/funnel?range=30d&tz=UTC&steps=bot_started&steps=lead%3C%3D2h&steps=order", answers });
    await screen.findByTestId("funnel-chart");
    const second = screen.getByRole("group", { name: "Step 2" });
    expect((within(second).getByLabelText("Time limit of step 2") as HTMLInputElement).value).toBe("2");
    expect((within(second).getByLabelText("Unit of step 2's time limit") as HTMLSelectElement).value).toBe("h");
    // Step 1 has no previous step to be limited from.
    expect(within(screen.getByRole("group", { name: "Step 1" })).queryByRole("button", { name: /Time limit/ })).toBeNull();
    const third = screen.getByRole("group", { name: "Step 3" });
    await userEvent.click(within(third).getByRole("button", { name: "+ Time limit from step 2" }));
    const amount = within(third).getByLabelText("Time limit of step 3");
    await userEvent.clear(amount);
    await userEvent.type(amount, "30");
    await userEvent.selectOptions(within(third).getByLabelText("Unit of step 3's time limit"), "m");
    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));
    expect(url().getAll("steps")).toEqual(["bot_started", "lead<=2h", "order<=30m"]);

    await userEvent.selectOptions(screen.getByLabelText("Mode"), "any");
    expect(within(third).getByText(/work in ordered and strict modes/)).toBeTruthy();
    expect((screen.getByRole("button", { name: "Show funnel" }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.click(within(screen.getByRole("group", { name: "Step 2" })).getByRole("button", { name: "Remove step 2's time limit" }));
    await userEvent.click(within(screen.getByRole("group", { name: "Step 3" })).getByRole("button", { name: "Remove step 3's time limit" }));
    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));
    expect(url().getAll("steps")).toEqual(["bot_started", "lead", "order"]);
    expect(url().get("mode")).toBe("any");
  });
});

describe("funnel builder: optional steps, exclusions and hold", () => {
  it("writes ?step, exclude=<event>:a-b and hold into the URL and the request, and shows a linked funnel's", async () => {
    const app = renderApp({ url: "/funnel?range=30d&tz=UTC&steps=bot_started&steps=%3Fsubscribed&steps=lead&exclude=handoff%3A1-2&hold=orderId", answers });
    await screen.findByTestId("funnel-chart");
    const asked = app.requestsTo("funnel")[0]!.searchParams;
    expect(asked.getAll("steps")).toEqual(["bot_started", "?subscribed", "lead"]);
    expect(asked.getAll("exclude")).toEqual(["handoff:1-2"]);
    expect(asked.get("hold")).toBe("orderId");
    expect((within(screen.getByRole("group", { name: "Step 2" })).getByLabelText("Optional: a user may skip step 2") as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText("Excluded event 1") as HTMLInputElement).value).toBe("handoff");
    expect((screen.getByLabelText("Exclusion 1 to step") as HTMLSelectElement).value).toBe("2");

    // Step 2 required, step 3 optional; a second exclusion over the whole funnel; another held property.
    await userEvent.click(within(screen.getByRole("group", { name: "Step 2" })).getByLabelText("Optional: a user may skip step 2"));
    await userEvent.click(within(screen.getByRole("group", { name: "Step 3" })).getByLabelText("Optional: a user may skip step 3"));
    await userEvent.click(screen.getByRole("button", { name: "+ Exclude an event" }));
    await userEvent.type(screen.getByLabelText("Excluded event 2"), "message_received[[text~stop]");
    await userEvent.clear(screen.getByLabelText(/^Hold constant/));
    await userEvent.type(screen.getByLabelText(/^Hold constant/), "cartId");
    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));
    expect(url().getAll("steps")).toEqual(["bot_started", "subscribed", "?lead"]);
    expect(url().getAll("exclude")).toEqual(["handoff:1-2", "message_received[text~stop]"]);
    expect(url().get("hold")).toBe("cartId");

    // Strict order keeps the optional step too, and applies.
    await userEvent.selectOptions(screen.getByLabelText("Mode"), "strict");
    expect((within(screen.getByRole("group", { name: "Step 3" })).getByLabelText("Optional: a user may skip step 3") as HTMLInputElement).checked).toBe(true);
    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));
    expect(url().get("mode")).toBe("strict");
    expect(url().getAll("steps")).toEqual(["bot_started", "subscribed", "?lead"]);
    // Exclusions are not any mode's: the form says why and does not apply; any order keeps the optional step.
    await userEvent.selectOptions(screen.getByLabelText("Mode"), "any");
    expect((within(screen.getByRole("group", { name: "Step 3" })).getByLabelText("Optional: a user may skip step 3") as HTMLInputElement).checked).toBe(true);
    expect(screen.getByText(/Exclusions work in ordered and strict modes/)).toBeTruthy();
    expect((screen.getByRole("button", { name: "Show funnel" }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.click(screen.getByRole("button", { name: "Remove exclusion 2" }));
    await userEvent.click(screen.getByRole("button", { name: "Remove exclusion 1" }));
    await userEvent.clear(screen.getByLabelText(/^Hold constant/));
    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));
    expect(url().getAll("exclude")).toEqual([]);
    expect(url().get("hold")).toBeNull();
    expect(url().get("mode")).toBe("any");
    expect(url().getAll("steps")).toEqual(["bot_started", "subscribed", "?lead"]);
  });
});

describe("funnel builder: a breakdown by any property", () => {
  it("asks breakdown=properties.<name> with the value from a chosen step, and names the summed groups Other", async () => {
    const split = (url: URL): FunnelResponse => {
      const base = funnel();
      const dimension = url.searchParams.get("breakdown");
      if (!dimension) return base;
      return {
        ...base,
        breakdown: [dimension as FunnelResponse["breakdown"][number]],
        breakdowns: [
          { values: { [dimension]: "pro" }, steps: base.steps },
          { values: { [dimension]: null }, steps: base.steps },
          { values: {}, steps: base.steps, other: true },
        ],
        breakdownsTruncated: true,
      };
    };
    const app = renderApp({ url: "/funnel?range=30d&tz=UTC&steps=bot_started&steps=lead&steps=order", answers: { ...answers, funnel: (url: URL) => json(split(url)) } });
    await screen.findByTestId("funnel-chart");
    await userEvent.selectOptions(screen.getByLabelText("Breakdown"), "property");
    // A property breakdown needs its name before it applies.
    expect((screen.getByRole("button", { name: "Show funnel" }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.type(screen.getByLabelText("Property name"), "plan");
    await userEvent.selectOptions(screen.getByLabelText("Value from"), "step:3");
    await userEvent.click(screen.getByRole("button", { name: "Show funnel" }));
    expect(url().get("breakdown")).toBe("properties.plan");
    expect(url().get("breakdownAttribution")).toBe("step:3");
    await waitFor(() => expect(app.requestsTo("funnel").at(-1)?.searchParams.get("breakdown")).toBe("properties.plan"));
    expect(app.requestsTo("funnel").at(-1)?.searchParams.get("breakdownAttribution")).toBe("step:3");

    const table = await screen.findByTestId("funnel-breakdown");
    expect([...table.querySelectorAll("tbody th")].map((th) => th.textContent)).toEqual(["pro", "—", "Other"]);
    // The link restores the choice in the form.
    expect((screen.getByLabelText("Breakdown") as HTMLSelectElement).value).toBe("property");
    expect((screen.getByLabelText("Property name") as HTMLInputElement).value).toBe("plan");
    expect((screen.getByLabelText("Value from") as HTMLSelectElement).value).toBe("step:3");

    // Trends are over all users: neither the breakdown nor its attribution is sent.
    await userEvent.click(screen.getByRole("tab", { name: "Trends" }));
    await screen.findByTestId("funnel-trends-table");
    const trendsAsked = app.requestsTo("funnel/trends")[0]!;
    expect(trendsAsked.searchParams.get("breakdown")).toBeNull();
    expect(trendsAsked.searchParams.get("breakdownAttribution")).toBeNull();
  });
});

describe("funnel page: the steps chart", () => {
  it("names each step by the answer's text, which holds alternatives and operators the equality filters do not", async () => {
    const texts = ["bot_started", "message_received", "lead|order[amount>100]", "order[plan!=trial]"];
    const answer = { ...funnel(), steps: funnel().steps.map((step, i) => ({ ...step, type: texts[i]!.split("[")[0]!, filters: {}, text: texts[i] })) };
    renderApp({ url: "/funnel?range=30d&tz=UTC", answers: { ...answers, funnel: answer } });
    const chart = await screen.findByTestId("funnel-chart");
    expect([...chart.querySelectorAll(".funnel-step-name")].map((name) => name.textContent)).toEqual(texts.map((text, i) => `${i + 1}. ${text}`));
  });
});

describe("funnel page: the trends tab", () => {
  it("shows the API's conversion per start day, and per week once the interval changes, both in the URL", async () => {
    const app = renderApp({ url: "/funnel?range=30d&tz=UTC&steps=bot_started&steps=lead&breakdown=channel", answers });
    await screen.findByTestId("funnel-chart");
    expect(app.requestsTo("funnel/trends")).toHaveLength(0);
    await userEvent.click(screen.getByRole("tab", { name: "Trends" }));
    expect(url().get("view")).toBe("trends");
    expect(screen.getByRole("tab", { name: "Trends" }).getAttribute("aria-selected")).toBe("true");

    const table = await screen.findByTestId("funnel-trends-table");
    const row = (bucket: string) => table.querySelector(`tr[data-bucket="${bucket}"]`) as HTMLElement;
    expect(row("2026-04-03").querySelector('[data-metric="entered"]')?.textContent).toBe("1,234");
    expect(row("2026-04-03").querySelector('[data-metric="converted"]')?.textContent).toBe("370");
    expect(row("2026-04-03").querySelector('[data-metric="conversion"]')?.textContent).toBe("30%");
    expect(row("2026-04-02").querySelector('[data-metric="conversion"]')?.textContent).toBe("—");
    expect(screen.getByRole("group", { name: "Conversion from step 1 to step 2 by start day" })).toBeTruthy();
    // The funnel's own parameters, without the breakdown trends do not take.
    const asked = app.requestsTo("funnel/trends")[0]!;
    expect(asked.searchParams.getAll("steps")).toEqual(["bot_started", "lead"]);
    expect(asked.searchParams.get("interval")).toBe("day");
    expect(asked.searchParams.get("breakdown")).toBeNull();
    expect(asked.searchParams.get("from")).toBeTruthy();
    expect(screen.getByText(/the breakdown applies to the steps view/)).toBeTruthy();

    await userEvent.selectOptions(screen.getByLabelText("Interval"), "week");
    expect(url().get("interval")).toBe("week");
    await waitFor(() => expect(screen.getByTestId("funnel-trends-table").querySelector(`tr[data-bucket="2026-03-30"]`)).toBeTruthy());
    expect(app.requestsTo("funnel/trends").at(-1)?.searchParams.get("interval")).toBe("week");

    // Back to the steps: the tab leaves the URL, the chart is the funnel's.
    await userEvent.click(screen.getByRole("tab", { name: "Steps" }));
    expect(url().get("view")).toBeNull();
    expect(await screen.findByTestId("funnel-chart")).toBeTruthy();
  });

  it("opens on the trends tab from a link, with its interval", async () => {
    const app = renderApp({ url: "/funnel?range=30d&tz=UTC&view=trends&interval=week&steps=bot_started&steps=lead%7Corder", answers });
    await screen.findByTestId("funnel-trends-table");
    expect(app.requestsTo("funnel")).toHaveLength(0);
    expect(app.requestsTo("funnel/trends")[0]?.searchParams.get("interval")).toBe("week");
    expect(app.requestsTo("funnel/trends")[0]?.searchParams.getAll("steps")).toEqual(["bot_started", "lead|order"]);
    expect((screen.getByLabelText("Interval") as HTMLSelectElement).value).toBe("week");
  });
});

describe("funnel page: the time-to-convert tab", () => {
  /** The funnel with `bins` n: step 2 spread over n bins, step 3 in the first, step 4 reached by nobody. */
  const binned = (url: URL): FunnelResponse => {
    const n = Number(url.searchParams.get("bins"));
    const base = funnel();
    if (!n) return base;
    const bin = (i: number, users: number, width: number) => ({ fromSeconds: i * width, toSeconds: (i + 1) * width, users });
    return {
      ...base,
      timeToConvertBins: [
        { step: 2, bins: Array.from({ length: n }, (_, i) => bin(i, 10 * (i + 1), 60)) },
        { step: 3, bins: Array.from({ length: n }, (_, i) => bin(i, i === 0 ? 150 : 0, 0)) },
        { step: 4, bins: [] },
      ],
    };
  };

  it("asks the funnel with bins and draws the chosen step's histogram; step and bins are in the URL", async () => {
    const app = renderApp({ url: "/funnel?range=30d&tz=UTC&view=time&timeStep=2&breakdown=campaign", answers: { ...answers, funnel: (url: URL) => json(binned(url)) } });
    const chart = await screen.findByTestId("funnel-time-chart");
    const asked = app.requestsTo("funnel")[0]!;
    expect(asked.searchParams.get("bins")).toBe("10");
    // Over all users: no breakdown asked for.
    expect(asked.searchParams.get("breakdown")).toBeNull();
    const cells = () => [...chart.querySelectorAll("tbody tr")].map((row) => [row.querySelector("th")?.textContent, row.querySelector("td")?.textContent]);
    expect(cells()).toHaveLength(10);
    expect(cells()[0]).toEqual(["0 s–1 min", "10"]);
    expect(cells()[9]).toEqual(["9 min–10 min", "100"]);
    expect(screen.getByRole("group", { name: "Time from step 1 to step 2 (message_received), users per interval" })).toBeTruthy();
    expect(screen.getByTestId("funnel-time-summary").textContent).toBe("600 users reached this step: median 20 min, mean 30 min from step 1.");

    await userEvent.selectOptions(screen.getByLabelText("Bins"), "20");
    expect(url().get("bins")).toBe("20");
    await waitFor(() => expect(app.requestsTo("funnel").at(-1)?.searchParams.get("bins")).toBe("20"));
    await waitFor(() => expect(screen.getByTestId("funnel-time-chart").querySelectorAll("tbody tr")).toHaveLength(20));

    // A step nobody reached has no bins: the empty state, not an empty chart.
    await userEvent.selectOptions(screen.getByLabelText("Step"), "4");
    expect(url().get("timeStep")).toBe("4");
    expect(await screen.findByText("No data for these filters.")).toBeTruthy();
    expect(screen.queryByTestId("funnel-time-chart")).toBeNull();
  });

  it("defaults to the last step and 10 bins for a bad or missing choice", async () => {
    const app = renderApp({ url: "/funnel?range=30d&tz=UTC&view=time&timeStep=9&bins=7", answers: { ...answers, funnel: (url: URL) => json(binned(url)) } });
    await screen.findByTestId("funnel-time");
    expect((screen.getByLabelText("Step") as HTMLSelectElement).value).toBe("4");
    expect((screen.getByLabelText("Bins") as HTMLSelectElement).value).toBe("10");
    await waitFor(() => expect(app.requestsTo("funnel")[0]?.searchParams.get("bins")).toBe("10"));
  });
});
