import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { loadConfig, type EventInput, type FunnelResponse, type LinksResponse } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { createFormat } from "../../dashboard/src/i18n/format.js";
import { parseFilters, toApiFilters, type ApiFilters } from "../../dashboard/src/filters/filters.js";
import { parseFunnelParams } from "../../dashboard/src/funnel/definition.js";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";

/**
 * What a bot developer and a marketer do first, in real Chromium against the embedded default with an
 * empty project: watch the first events arrive on the Events page, and create a tracked link whose
 * users, leads and CPL show on the Links page once events carrying its code come in.
 */
const TZ = "Europe/Moscow";
const en = createFormat("en");
let server: EmbeddedServer;
let browser: BrowserSession;
let dataDir: string;

async function api<T>(pathname: string, query: Record<string, unknown>): Promise<T> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(name, String(item));
    else params.set(name, String(value));
  }
  const response = await fetch(`${server.url}/api/v1/${pathname}?${params}`, { headers: { Authorization: `Bearer ${server.keys.readKey}` } });
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Events as a bot sends them: through the collector with the write key. */
async function send(events: EventInput[]): Promise<void> {
  const response = await fetch(`${server.url}/v1/events`, {
    method: "POST",
    headers: { Authorization: `Bearer ${server.keys.writeKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ events }),
  });
  const body = (await response.json()) as { accepted: number; rejected: unknown[] };
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(body).toMatchObject({ accepted: events.length, rejected: [] });
}

const event = (fields: Partial<EventInput> & Pick<EventInput, "type" | "userId">): EventInput => ({
  id: randomUUID(),
  channel: "telegram",
  botId: "shop_e2e_bot",
  timestamp: new Date().toISOString(),
  ...fields,
});

function filtersOf(page: Page): ApiFilters {
  return toApiFilters(parseFilters(new URL(page.url()).searchParams, new Date(), TZ));
}

async function open(pathAndQuery: string): Promise<Page> {
  const page = await browser.context.newPage();
  // The printed dashboard URL carries the manage key: the dashboard creates and deletes links.
  await page.goto(`${server.url}${pathAndQuery}#key=${server.keys.manageKey}`);
  return page;
}

// Chromium and Node may space "1:00:05 PM" with different blanks (ICU versions); the figures must match.
const blanks = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

beforeAll(async () => {
  ensureDashboardBuilt();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-links-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5" }));
  browser = await launchBrowser({ locale: "en-US", timezoneId: TZ });
  await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("events and links in Chromium on the embedded default", () => {
  it("events: an empty project says how to send the first event, which then appears without a reload", async () => {
    const page = await open("/events");
    const empty = page.getByTestId("events-empty");
    await empty.waitFor();
    expect(await empty.getByTestId("curl-example").innerText()).toContain(`${server.url}/v1/events`);
    await screenshot(page, "events-empty");
    // Marks this document: a reload would lose it.
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

    const started = event({ type: "bot_started", userId: "dev-1", source: { campaign: "first_test", source: "tg_ads", medium: "cpc", payload: "hello" } });
    await send([started]);
    const row = page.locator(`tr[data-event-id="${started.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('[data-field="type"]').innerText()).toBe("bot_started");
    expect(await row.locator('[data-field="user"]').innerText()).toBe("dev-1");
    expect(await row.locator('[data-field="bot"]').innerText()).toBe("shop_e2e_bot");
    expect(await row.locator('[data-field="channel"]').innerText()).toBe("Telegram");
    expect(await row.locator('[data-field="attribution"]').innerText()).toBe("first_test · tg_ads / cpc · payload: hello");
    expect(await row.locator("time").getAttribute("datetime")).toBe(started.timestamp);
    expect(blanks(await row.locator("time").innerText())).toBe(blanks(en.dateTimeSeconds(String(started.timestamp), TZ)));

    // A second event lands on top, properties shown compactly and in full on demand.
    const lead = event({ type: "lead", userId: "dev-1", timestamp: new Date(Date.now() + 1000).toISOString(), properties: { form: "phone", step: 2 } });
    await send([lead]);
    const first = page.locator('[data-testid="events-table"] tbody tr').first();
    await expect.poll(() => first.getAttribute("data-event-id"), { timeout: 10_000 }).toBe(lead.id);
    expect(await first.locator("summary").innerText()).toBe("form=phone · step=2");
    await first.locator("summary").click();
    expect(JSON.parse(await first.locator("pre").innerText())).toMatchObject({ id: lead.id, type: "lead", properties: { form: "phone", step: "2" } });
    // An event stamped days ago (a bot's clock, a resend after an outage, the README's example) still shows up live, in its place.
    const late = event({ type: "message_received", userId: "dev-2", timestamp: new Date(Date.now() - 3 * 86_400_000).toISOString() });
    await send([late]);
    await expect.poll(() => page.locator('[data-testid="events-table"] tbody tr').nth(2).getAttribute("data-event-id"), { timeout: 10_000 }).toBe(late.id);
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);

    // A click on a type narrows to it, through the URL.
    await first.getByRole("button", { name: "Only lead events" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.getAll("type")).toEqual(["lead"]);
    await expect.poll(() => page.locator('[data-testid="events-table"] tbody tr').count()).toBe(1);
    await page.goBack();
    await expect.poll(() => page.locator('[data-testid="events-table"] tbody tr').count()).toBe(3);
    await screenshot(page, "events");
    await page.close();
  });

  it("links: create a link, copy its URL, see its users, leads and CPL, open its funnel, delete it", async () => {
    const page = await open("/links");
    const form = page.getByRole("form", { name: "New tracked link" });
    await form.waitFor();

    // The API's 400 shows beside the field it names.
    await form.getByLabel("Bot username").fill("shop");
    await form.getByLabel("Campaign").fill("e2e_black_friday");
    await form.getByRole("button", { name: "Create link" }).click();
    const target = form.getByLabel("Bot username");
    await expect.poll(() => target.getAttribute("aria-invalid")).toBe("true");
    expect(await form.locator('[data-field="target"] .field-error').innerText()).toMatch(/bot/);

    await target.fill("shop_e2e_bot");
    await form.getByLabel("Name", { exact: true }).fill("E2E ad");
    await form.getByRole("button", { name: "Create link" }).click();
    const url = await page.getByTestId("created-url").innerText();
    const code = /^https:\/\/t\.me\/shop_e2e_bot\?start=([A-Za-z0-9_-]{1,64})$/.exec(url)?.[1];
    expect(code, url).toBeTruthy();
    await page.getByTestId("created-link").getByRole("button", { name: `Copy ${url}` }).click();
    await page.getByTestId("created-link").getByText("Copied").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

    const row = page.locator(`[data-testid="links-table"] tr[data-code="${code}"]`);
    await row.waitFor();
    expect(await row.locator('[data-metric="users"]').innerText()).toBe("0");

    // Two users start the bot through the link (the Telegram start parameter is the code); one leaves a lead.
    // Neither event names a campaign: the link gives them its own. The campaign's spend makes a CPL.
    await send([
      event({ type: "bot_started", userId: "ad-1", source: { payload: code! } }),
      event({ type: "bot_started", userId: "ad-2", source: { payload: code! } }),
      event({ type: "lead", userId: "ad-1", timestamp: new Date(Date.now() + 2000).toISOString() }),
    ]);
    const today = new Date().toISOString().slice(0, 10);
    const spend = await fetch(`${server.url}/api/v1/spend`, {
      method: "POST",
      headers: { Authorization: `Bearer ${server.keys.manageKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ rows: [{ date: today, channel: "telegram", campaign: "e2e_black_friday", amount: 1500, currency: "RUB" }] }),
    });
    expect(spend.status).toBe(200);

    await page.reload();
    await row.waitFor();
    const expected = (await api<LinksResponse>("links", { ...filtersOf(page) })).links.find((l) => l.code === code)!;
    expect(expected).toMatchObject({ users: 2, leads: 1, orders: 0 });
    expect(await row.locator('[data-metric="users"]').innerText()).toBe("2");
    expect(await row.locator('[data-metric="leads"]').innerText()).toBe("1");
    expect(await row.locator('[data-metric="spend"]').innerText()).toBe(en.money(expected.spend));
    expect(await row.locator('[data-metric="cpl"]').innerText()).toBe(en.money(expected.cpl));
    expect(await row.locator('[data-metric="cpo"]').innerText()).toBe("—");
    await screenshot(page, "links");

    // Its funnel: bot start → lead → order for the link's campaign, as the funnel API counts it.
    await row.getByRole("link", { name: "Funnel of E2E ad: bot start → lead → order" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/funnel");
    const params = new URL(page.url()).searchParams;
    expect(params.getAll("steps")).toEqual(["bot_started", "lead", "order"]);
    expect(params.get("campaign")).toBe("e2e_black_friday");
    const chart = page.getByTestId("funnel-chart");
    await chart.waitFor();
    const definition = parseFunnelParams(params);
    const funnel = await api<FunnelResponse>("funnel", { ...filtersOf(page), steps: definition.steps, window: definition.window, mode: definition.mode });
    expect(funnel.steps.map((s) => s.users)).toEqual([2, 1, 0]);
    for (const step of funnel.steps) expect(await chart.locator(`[data-step="${step.index}"] [data-metric="users"]`).innerText()).toBe(en.integer(step.users));
    await screenshot(page, "link-funnel");

    // Delete, after saying yes.
    await page.goBack();
    await row.getByRole("button", { name: "Delete E2E ad" }).click();
    await row.getByRole("button", { name: "Yes, delete" }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect((await api<LinksResponse>("links", { ...filtersOf(page) })).links.some((l) => l.code === code)).toBe(false);
    await page.close();
  });

  it("funnel builder offers the event types the project has sent, with counts", async () => {
    const page = await open("/funnel");
    await page.getByTestId("funnel-chart").waitFor();
    await page.getByRole("group", { name: "Step 1" }).getByLabel("Event type").focus();
    const option = page.locator('#event-types option[value="bot_started"]');
    await expect.poll(() => option.textContent()).toMatch(/^\d+ events · \d+ users$/);
    expect(await page.locator('#event-types option[value="lead"]').textContent()).toMatch(/events/);
    await page.close();
  });

  it("both pages fit a phone in Russian", async () => {
    const created = await fetch(`${server.url}/api/v1/links`, {
      method: "POST",
      headers: { Authorization: `Bearer ${server.keys.manageKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ channel: "vk", target: "shop_group", campaign: "vk_spring", name: "Реклама ВК, весна", source: "vk_ads", medium: "cpc" }),
    });
    expect(created.status).toBe(201);
    const page = await open("/events");
    await page.getByTestId("events-table").waitFor();
    await page.getByRole("combobox", { name: "Language" }).selectOption("ru");
    await page.setViewportSize({ width: 390, height: 844 });
    for (const { link, ready, shot } of [
      { link: "События", ready: '[data-testid="events-table"]', shot: "events-ru-phone" },
      { link: "Ссылки", ready: '[data-testid="links-table"]', shot: "links-ru-phone" },
    ]) {
      await page.getByRole("navigation").getByRole("link", { name: link, exact: true }).click();
      await page.locator(ready).first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth), link).toBeLessThanOrEqual(390);
      await screenshot(page, shot);
    }
    await page.getByRole("combobox", { name: "Язык" }).selectOption("en");
    await page.close();
  });
});
