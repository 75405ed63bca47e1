import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { loadConfig, type FunnelResponse, type FunnelTrendsResponse, type Interval } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { createFormat } from "../../dashboard/src/i18n/format.js";
import { parseFilters, toApiFilters } from "../../dashboard/src/filters/filters.js";
import { parseFunnelParams } from "../../dashboard/src/funnel/definition.js";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";
import { simulate } from "../../simulator/src/index.js";

/**
 * The funnel page's Trends tab in real Chromium against the embedded default filled by the simulator: the table
 * shows what /api/v1/funnel/trends answers for the page's own URL (filters, steps, interval), a funnel edited in
 * the step menu ("or" another event, a filter chip) is the one trends are asked for, and a reload keeps it all;
 * the Time to convert tab shows the funnel's bins for the chosen step and count.
 */
const TZ = "Europe/Moscow";
const en = createFormat("en");
let server: EmbeddedServer;
let browser: BrowserSession;
let dataDir: string;

/** What the API answers for the page's URL, asked the way the dashboard asks (no breakdown). */
async function trendsOf(page: Page): Promise<FunnelTrendsResponse> {
  const search = new URL(page.url()).searchParams;
  const filters = toApiFilters(parseFilters(search, new Date(), TZ));
  const definition = parseFunnelParams(search);
  const params = new URLSearchParams({ from: filters.from, to: filters.to, tz: filters.tz, window: definition.window, mode: definition.mode, interval: search.get("interval") ?? "day" });
  for (const step of definition.steps) params.append("steps", step);
  const response = await fetch(`${server.url}/api/v1/funnel/trends?${params}`, { headers: { Authorization: `Bearer ${server.keys.readKey}` } });
  if (!response.ok) throw new Error(`funnel/trends: ${response.status} ${await response.text()}`);
  return (await response.json()) as FunnelTrendsResponse;
}

/** The table's rows as text, and the same rows from the API's answer, as the page formats them. */
const shown = (page: Page) =>
  page.getByTestId("funnel-trends-table").locator("tbody tr").evaluateAll((rows) =>
    rows.map((row) => [row.getAttribute("data-bucket"), ...["entered", "converted", "conversion"].map((m) => row.querySelector(`[data-metric="${m}"]`)?.textContent ?? "")]),
  );
const expected = (answer: FunnelTrendsResponse) => answer.points.map((p) => [p.bucket, en.integer(p.entered), en.integer(p.converted), en.percent(p.conversion)]);

beforeAll(async () => {
  ensureDashboardBuilt();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-funnel-trends-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5" }));
  const filled = await simulate({ url: server.url, writeKey: server.keys.writeKey, manageKey: server.keys.manageKey, events: 4000, days: 20, seed: 13, now: Date.now() - 3_600_000 });
  expect(filled.events.accepted).toBe(4000);
  browser = await launchBrowser({ locale: "en-US", timezoneId: TZ });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("funnel trends in Chromium on the embedded default", () => {
  it("shows the API's conversion per start day and week, for a funnel built in the step menu, and keeps it on reload", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/funnel?steps=bot_started&steps=lead#key=${server.keys.readKey}`);
    await page.getByTestId("funnel-chart").waitFor();
    await page.getByRole("tab", { name: "Trends" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("view")).toBe("trends");
    await page.getByTestId("funnel-trends-table").waitFor();

    const byDay = await trendsOf(page);
    expect(byDay.points.length).toBeGreaterThanOrEqual(30);
    expect(byDay.points.some((p) => p.converted > 0)).toBe(true);
    await expect.poll(() => shown(page)).toEqual(expected(byDay));
    await page.getByTestId("funnel-trends-chart").locator(".recharts-line").first().waitFor();

    // Step 2 becomes "lead, or a subscription from the menu": the trends asked for are that funnel's.
    const second = page.getByRole("group", { name: "Step 2" });
    await second.getByRole("button", { name: "Or another event for step 2" }).click();
    const alternative = second.getByRole("group", { name: "Alternative 2" });
    await alternative.getByLabel("Event type", { exact: true }).fill("subscribed");
    await alternative.getByRole("button", { name: "+ Add property filter" }).click();
    await alternative.getByRole("textbox", { name: "Property", exact: true }).fill("node");
    await alternative.getByRole("textbox", { name: "Value", exact: true }).fill("menu");
    await alternative.getByRole("button", { name: "Done" }).click();
    await page.getByRole("button", { name: "Show funnel" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.getAll("steps")).toEqual(["bot_started", "lead|subscribed[node=menu]"]);
    const widened = await trendsOf(page);
    expect(widened.points.reduce((sum, p) => sum + p.converted, 0)).toBeGreaterThan(byDay.points.reduce((sum, p) => sum + p.converted, 0));
    await expect.poll(() => shown(page)).toEqual(expected(widened));

    await page.getByLabel("Interval").selectOption("week" satisfies Interval);
    await expect.poll(() => new URL(page.url()).searchParams.get("interval")).toBe("week");
    const byWeek = await trendsOf(page);
    expect(byWeek.interval).toBe("week");
    await expect.poll(() => shown(page)).toEqual(expected(byWeek));
    await screenshot(page, "funnel-trends");

    // The link is the view: a reload shows the same tab, funnel, interval and numbers.
    await page.reload();
    await page.getByTestId("funnel-trends-table").waitFor();
    await expect.poll(() => shown(page)).toEqual(expected(byWeek));
    expect(await page.getByRole("tab", { name: "Trends" }).getAttribute("aria-selected")).toBe("true");
    expect(await page.getByRole("group", { name: "Step 2" }).getByRole("button", { name: "Edit filter node = menu" }).count()).toBe(1);
    await page.close();
  });
  it("shows the API's time-to-convert histogram for the chosen step and number of bins", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/funnel?steps=bot_started&steps=message_received&steps=lead&view=time#key=${server.keys.readKey}`);
    const chart = page.getByTestId("funnel-time-chart");
    await chart.waitFor();
    const histogramOf = async (bins: number, step: number) => {
      const search = new URL(page.url()).searchParams;
      const filters = toApiFilters(parseFilters(search, new Date(), TZ));
      const params = new URLSearchParams({ from: filters.from, to: filters.to, tz: filters.tz, bins: String(bins) });
      for (const text of parseFunnelParams(search).steps) params.append("steps", text);
      const response = await fetch(`${server.url}/api/v1/funnel?${params}`, { headers: { Authorization: `Bearer ${server.keys.readKey}` } });
      const body = (await response.json()) as FunnelResponse;
      return body.timeToConvertBins!.find((s) => s.step === step)!.bins.map((bin) => [`${en.durationSeconds(bin.fromSeconds)}–${en.durationSeconds(bin.toSeconds)}`, en.integer(bin.users)]);
    };
    const rows = () => chart.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.querySelector("th")?.textContent ?? "", tr.querySelector("td")?.textContent ?? ""]));
    // The last step by default, 10 bins.
    const lead = await histogramOf(10, 3);
    expect(lead).toHaveLength(10);
    await expect.poll(rows).toEqual(lead);
    await page.getByRole("combobox", { name: "Step", exact: true }).selectOption("2");
    await page.getByRole("combobox", { name: "Bins", exact: true }).selectOption("5");
    await expect.poll(() => new URL(page.url()).searchParams.get("bins")).toBe("5");
    expect(new URL(page.url()).searchParams.get("timeStep")).toBe("2");
    await expect.poll(rows).toEqual(await histogramOf(5, 2));
    await page.close();
  });
});
