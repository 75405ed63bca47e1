import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { loadConfig, type FunnelDropoffResponse, type FunnelResponse, type ChannelsResponse, type CostsResponse, type EngagementResponse, type OverviewResponse, type RepeatResponse, type TimeseriesResponse } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { createFormat } from "../../dashboard/src/i18n/format.js";
import { parseFilters, toApiFilters, type ApiFilters } from "../../dashboard/src/filters/filters.js";
import { parseFunnelParams } from "../../dashboard/src/funnel/definition.js";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";
import { simulate } from "../../simulator/src/index.js";

/**
 * The dashboard in real headless Chromium against the embedded default: each page must show what
 * the API answers for the filters in the page's own URL.
 */
const TZ = "Europe/Moscow";
const en = createFormat("en");
let server: EmbeddedServer;
let browser: BrowserSession;
let dataDir: string;

async function api<T>(pathname: string, query: Record<string, unknown>): Promise<T> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query) as Array<[string, unknown]>) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(name, String(item));
    else params.set(name, String(value));
  }
  const response = await fetch(`${server.url}/api/v1/${pathname}?${params}`, { headers: { Authorization: `Bearer ${server.keys.readKey}` } });
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The API filters the page's URL stands for, computed the way the dashboard does. */
function filtersOf(page: Page): ApiFilters {
  return toApiFilters(parseFilters(new URL(page.url()).searchParams, new Date(), TZ));
}

async function open(pathAndQuery: string): Promise<Page> {
  const page = await browser.context.newPage();
  // The printed dashboard URL carries the manage key: the dashboard imports spend.
  await page.goto(`${server.url}${pathAndQuery}#key=${server.keys.manageKey}`);
  return page;
}

const text = (page: Page, selector: string) => page.locator(selector).first().innerText();

beforeAll(async () => {
  ensureDashboardBuilt();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5" }));
  // The simulator's traffic through the SDK, and its spend through the import endpoint.
  const filled = await simulate({ url: server.url, writeKey: server.keys.writeKey, manageKey: server.keys.manageKey, events: 4000, days: 20, seed: 11, now: Date.now() - 3_600_000 });
  expect(filled.events.accepted).toBe(4000);
  expect(filled.spend.error).toBeUndefined();
  browser = await launchBrowser({ locale: "en-US", timezoneId: TZ });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("dashboard in Chromium on the embedded default", () => {
  it("signs in from the printed #key= URL, forgets the fragment, and shows the overview the API answers", async () => {
    const page = await open("/");
    await page.locator('[data-metric="users"]').waitFor();
    expect(new URL(page.url()).hash).toBe("");
    expect(await page.evaluate(() => localStorage.getItem("chatfunnel.readKey"))).toBe(server.keys.manageKey);
    // The URL spells out the view: preset and time zone.
    expect(new URL(page.url()).searchParams.get("range")).toBe("30d");
    expect(new URL(page.url()).searchParams.get("tz")).toBe(TZ);

    const expected = await api<OverviewResponse>("overview", { ...filtersOf(page) });
    expect(expected.current.users).toBeGreaterThan(0);
    const c = expected.current;
    const want: Record<string, string> = {
      users: en.integer(c.users),
      newUsers: en.integer(c.newUsers),
      sessions: en.integer(c.sessions),
      leads: en.integer(c.leads),
      orders: en.integer(c.orders),
      revenue: en.money(c.revenue),
      spend: en.money(c.spend),
      cpl: en.money(c.cpl),
      cpo: en.money(c.cpo),
      roas: en.ratio(c.roas),
      resolutionRate: en.percent(c.resolutionRate),
    };
    for (const [metric, value] of Object.entries(want)) expect(await text(page, `[data-metric="${metric}"]`), metric).toBe(value);
    expect(want.revenue).toContain("₽");

    // The trend chart draws the timeseries the API answers (its data table holds the same figures).
    const series = await api<TimeseriesResponse>("timeseries", { ...filtersOf(page), metric: "users", interval: "day" });
    const cells = page.locator('[data-testid="trend-users"] td[data-series="users"]');
    await expect.poll(() => cells.count()).toBe(series.points.length);
    expect(await cells.allTextContents()).toEqual(series.points.map((p) => en.integer(p.value ?? 0)));
    await page.locator('[data-testid="trend-users"] .recharts-wrapper').waitFor();
    await screenshot(page, "overview");
    await page.close();
  });

  it("changes the URL and the numbers when a filter changes, and Back restores the view", async () => {
    const page = await open("/");
    await page.locator('[data-metric="users"]').waitFor();
    const before = await text(page, '[data-metric="users"]');

    await page.getByLabel("Period").selectOption("7d");
    await expect.poll(() => new URL(page.url()).searchParams.get("range")).toBe("7d");
    const week = await api<OverviewResponse>("overview", { ...filtersOf(page) });
    await expect.poll(() => text(page, '[data-metric="users"]')).toBe(en.integer(week.current.users));

    await page.getByRole("checkbox", { name: "WhatsApp" }).check();
    await expect.poll(() => new URL(page.url()).searchParams.getAll("channel")).toEqual(["whatsapp"]);
    const whatsapp = await api<OverviewResponse>("overview", { ...filtersOf(page) });
    expect(whatsapp.current.users).toBeLessThan(week.current.users);
    await expect.poll(() => text(page, '[data-metric="users"]')).toBe(en.integer(whatsapp.current.users));
    const series = await api<TimeseriesResponse>("timeseries", { ...filtersOf(page), metric: "users", interval: "day" });
    await expect
      .poll(() => page.locator('[data-testid="trend-users"] td[data-series="users"]').allTextContents())
      .toEqual(series.points.map((p) => en.integer(p.value ?? 0)));

    // A copied link reproduces the view in a new tab.
    const copy = await browser.context.newPage();
    await copy.goto(page.url());
    await expect.poll(() => text(copy, '[data-metric="users"]')).toBe(en.integer(whatsapp.current.users));
    expect(await copy.getByRole("checkbox", { name: "WhatsApp" }).isChecked()).toBe(true);
    await copy.close();

    await page.goBack();
    await page.goBack();
    await expect.poll(() => text(page, '[data-metric="users"]')).toBe(before);
    await screenshot(page, "overview-filtered");
    await page.close();
  });

  it("channels: the table holds the API's figures per channel", async () => {
    const page = await open("/channels");
    const table = page.getByTestId("channels-table");
    await table.waitFor();
    const expected = await api<ChannelsResponse>("channels", { ...filtersOf(page) });
    expect(expected.channels.map((c) => c.channel)).toEqual(expect.arrayContaining(["telegram", "vk", "whatsapp"]));
    for (const row of expected.channels) {
      const cells = table.locator(`tr[data-channel="${row.channel}"]`);
      expect(await cells.locator('[data-metric="users"]').innerText()).toBe(en.integer(row.users));
      expect(await cells.locator('[data-metric="leads"]').innerText()).toBe(en.integer(row.leads));
      expect(await cells.locator('[data-metric="leadConversion"]').innerText()).toBe(en.percent(row.leadConversion));
      expect(await cells.locator('[data-metric="cpl"]').innerText()).toBe(en.money(row.cpl));
      expect(await cells.locator('[data-metric="cpo"]').innerText()).toBe(en.money(row.cpo));
      const repeat = await api<RepeatResponse>("repeat", { ...filtersOf(page), channel: [row.channel] });
      await expect.poll(() => cells.locator('[data-metric="repeatShare"]').innerText()).toBe(en.percent(repeat.returningShare));
    }
    await page.locator('[data-testid="channels-users-chart"] .recharts-wrapper').waitFor();
    await screenshot(page, "channels");
    await page.close();
  });

  it("costs: CPL/CPO/ROAS by channel and campaign, and a CSV import that names bad lines", async () => {
    const page = await open("/costs");
    const table = page.getByTestId("costs-table");
    await table.waitFor();
    const byChannel = await api<CostsResponse>("costs", { ...filtersOf(page), by: "channel" });
    for (const row of byChannel.rows) {
      const cells = table.locator(`tr[data-key="${row.key}"]`);
      expect(await cells.locator('[data-metric="spend"]').innerText()).toBe(en.money(row.spend));
      expect(await cells.locator('[data-metric="cpl"]').innerText()).toBe(en.money(row.cpl));
      expect(await cells.locator('[data-metric="roas"]').innerText()).toBe(en.ratio(row.roas));
    }
    await page.getByRole("radio", { name: "By campaign" }).check();
    await expect.poll(() => new URL(page.url()).searchParams.get("by")).toBe("campaign");
    const byCampaign = await api<CostsResponse>("costs", { ...filtersOf(page), by: "campaign" });
    const campaign = byCampaign.rows.find((r) => r.key !== null && r.cpl !== null);
    expect(campaign).toBeDefined();
    await expect.poll(() => table.locator(`tr[data-key="${campaign!.key}"] [data-metric="cpl"]`).innerText()).toBe(en.money(campaign!.cpl));
    expect(await table.locator(`tr[data-key="${campaign!.key}"] [data-metric="spend"]`).innerText()).toBe(en.money(campaign!.spend));

    // A bad line is named and nothing is imported.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const bad = `date,channel,campaign,amount,currency\n${yesterday},telegram,e2e_campaign,100,RUB\n${yesterday},pigeon,e2e_campaign,-5,RUB\n`;
    await page.getByLabel("CSV file").setInputFiles({ name: "spend.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
    await page.getByRole("button", { name: "Upload CSV" }).click();
    const outcome = page.getByTestId("import-outcome");
    await expect.poll(() => outcome.innerText()).toMatch(/line 3/);
    expect(await outcome.innerText()).toMatch(/channel/);

    const good = `date,channel,campaign,amount,currency\n${yesterday},telegram,e2e_campaign,1234.5,RUB\n`;
    await page.getByLabel("CSV file").setInputFiles({ name: "spend.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
    await page.getByRole("button", { name: "Upload CSV" }).click();
    await expect.poll(() => outcome.innerText()).toContain("Rows imported: 1.");
    await expect.poll(() => table.locator('tr[data-key="e2e_campaign"] [data-metric="spend"]').innerText()).toBe(en.money({ amount: 1234.5, currency: "RUB" }));

    // The one-row form.
    await page.getByLabel("Campaign", { exact: true }).last().fill("form_campaign");
    await page.getByLabel("Amount").fill("77");
    await page.getByRole("button", { name: "Add spend" }).click();
    await expect.poll(() => outcome.innerText()).toContain("Rows imported: 1.");
    await page.locator('[data-testid="costs-chart"] .recharts-wrapper').waitFor();
    await screenshot(page, "costs");
    await page.close();
  });

  it("funnel: steps as the API counts them, breakdown, the users who dropped at a clicked step and their CSV", async () => {
    const page = await open("/funnel");
    const chart = page.getByTestId("funnel-chart");
    await chart.waitFor();
    const definition = () => {
      const d = parseFunnelParams(new URL(page.url()).searchParams);
      return { steps: d.steps, window: d.window, mode: d.mode, ...(d.breakdown ? { breakdown: d.breakdown } : {}) };
    };
    const expected = await api<FunnelResponse>("funnel", { ...filtersOf(page), ...definition() });
    expect(expected.steps[0]!.users).toBeGreaterThan(0);
    for (const step of expected.steps) {
      const row = chart.locator(`[data-step="${step.index}"]`);
      expect(await row.locator('[data-metric="users"]').innerText()).toBe(en.integer(step.users));
      expect(await row.locator('[data-metric="conversionFromFirst"]').innerText()).toBe(en.percent(step.conversionFromFirst));
      if (step.index > 1) expect(await row.locator('[data-metric="medianSecondsToConvert"]').innerText()).toBe(en.durationSeconds(step.medianSecondsToConvert));
    }

    // Window, mode and breakdown go into the URL; the table shows one funnel per channel.
    await page.getByRole("spinbutton", { name: "Conversion window" }).fill("2");
    await page.getByLabel("Breakdown").selectOption("channel");
    await page.getByRole("button", { name: "Show funnel" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("breakdown")).toBe("channel");
    expect(new URL(page.url()).searchParams.get("window")).toBe("2d");
    const split = await api<FunnelResponse>("funnel", { ...filtersOf(page), ...definition() });
    const table = page.getByTestId("funnel-breakdown");
    await expect.poll(() => table.locator("tbody tr").count()).toBe(split.breakdowns.length);
    await expect.poll(() => chart.locator('[data-step="2"] [data-metric="users"]').innerText()).toBe(en.integer(split.steps[1]!.users));
    await screenshot(page, "funnel");

    // Who dropped before step 2: the list and its CSV are the API's.
    await page.getByRole("button", { name: "Who dropped before step 2" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("dropoff")).toBe("2");
    const dropped = await api<FunnelDropoffResponse>("funnel/dropoff", { ...filtersOf(page), ...definition(), step: 2, limit: 100 });
    const list = page.getByTestId("dropoff");
    await expect.poll(() => list.getByTestId("dropoff-total").innerText()).toContain(en.integer(dropped.total));
    if (dropped.users[0]) await list.getByText(dropped.users[0].userId, { exact: true }).first().waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), list.getByRole("button", { name: "Export CSV" }).click()]);
    expect(download.suggestedFilename()).toBe("funnel-dropoff-step-2.csv");
    const file = fs.readFileSync(await download.path(), "utf8");
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...filtersOf(page), ...definition(), step: 2, format: "csv", limit: 10000 })) {
      if (Array.isArray(value)) for (const item of value) params.append(name, String(item));
      else if (value !== undefined) params.set(name, String(value));
    }
    const csv = await (await fetch(`${server.url}/api/v1/funnel/dropoff?${params}`, { headers: { Authorization: `Bearer ${server.keys.readKey}` } })).text();
    expect(file).toBe(csv);
    expect(file.trim().split("\n").length).toBe(Math.min(dropped.total, 10000) + 1);
    await screenshot(page, "funnel-dropoff");
    await page.close();
  });

  it("engagement: new users, requests, resolution rate, first response time and the repeat histogram", async () => {
    const page = await open("/engagement");
    await page.getByTestId("engagement").waitFor();
    const filters = filtersOf(page);
    const engagement = await api<EngagementResponse>("engagement", { ...filters });
    expect(await text(page, '[data-testid="engagement"] [data-metric="newUsers"]')).toBe(en.integer(engagement.newUsers));
    expect(await text(page, '[data-testid="engagement"] [data-metric="sessions"]')).toBe(en.integer(engagement.sessions));
    expect(await text(page, '[data-testid="engagement"] [data-metric="resolutionRate"]')).toBe(en.percent(engagement.resolutionRate));
    expect(await text(page, '[data-metric="medianFirstResponseSeconds"]')).toBe(en.durationSeconds(engagement.medianFirstResponseSeconds));
    const repeat = await api<RepeatResponse>("repeat", { ...filters });
    await expect.poll(() => page.locator('[data-testid="repeat-chart"] td[data-series="users"]').allTextContents()).toEqual(repeat.histogram.map((b) => en.integer(b.users)));
    expect(await text(page, '[data-metric="returningShare"]')).toBe(en.percent(repeat.returningShare));

    await page.getByLabel("Interval").selectOption("week");
    await expect.poll(() => new URL(page.url()).searchParams.get("interval")).toBe("week");
    const weekly = await api<TimeseriesResponse>("timeseries", { ...filters, metric: "resolution_rate", interval: "week" });
    await expect
      .poll(() => page.locator('[data-testid="trend-resolution_rate"] td[data-series="resolution_rate"]').allTextContents())
      .toEqual(weekly.points.map((p) => en.percent(p.value)));
    await screenshot(page, "engagement");
    await page.close();
  });

  it("speaks Russian when asked and formats money in rubles; fits a phone", async () => {
    const page = await open("/");
    await page.locator('[data-metric="revenue"]').waitFor();
    await page.getByRole("combobox", { name: "Language" }).selectOption("ru");
    await expect.poll(() => page.locator("h1").innerText()).toBe("Обзор");
    const overview = await api<OverviewResponse>("overview", { ...filtersOf(page) });
    const ru = createFormat("ru");
    await expect.poll(() => text(page, '[data-metric="revenue"]')).toBe(ru.money(overview.current.revenue));
    expect(ru.money(overview.current.revenue)).toMatch(/₽$/);
    await page.setViewportSize({ width: 390, height: 844 });
    // No sideways scrolling on a phone on any page: wide tables scroll inside their own box.
    const pages = [
      { link: "Обзор", ready: '[data-metric="revenue"]', shot: "overview-ru-phone" },
      { link: "Воронка", ready: '[data-testid="funnel-chart"]', shot: "funnel-ru-phone" },
      { link: "Каналы", ready: '[data-testid="channels-table"]', shot: "channels-ru-phone" },
      { link: "Расходы", ready: '[data-testid="costs-table"]', shot: "costs-ru-phone" },
      { link: "Вовлечённость", ready: '[data-testid="engagement"]', shot: "engagement-ru-phone" },
    ];
    for (const { link, ready, shot } of pages) {
      await page.getByRole("navigation").getByRole("link", { name: link, exact: true }).click();
      await page.locator(ready).first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth), link).toBeLessThanOrEqual(390);
      await screenshot(page, shot);
    }
    // On a phone the filters fold behind one button that opens them.
    const toggle = page.getByRole("button", { name: /^Фильтры/ });
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    expect(await page.getByLabel("Период").isVisible()).toBe(false);
    await toggle.click();
    expect(await page.getByLabel("Период").isVisible()).toBe(true);
    await page.getByRole("combobox", { name: "Язык" }).selectOption("en");
    await page.close();
  });

  it("asks for the key when none is remembered and says so when the key is refused", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.getByLabel("Read key", { exact: true }).fill("rk_not_a_real_key_000000");
    await page.getByRole("button", { name: "Open dashboard" }).click();
    await page.getByText("This key was not accepted").waitFor();
    await page.getByLabel("Read key", { exact: true }).fill(server.keys.readKey);
    await page.getByRole("button", { name: "Open dashboard" }).click();
    await page.locator('[data-metric="users"]').waitFor();
    await page.close();
  });
});
