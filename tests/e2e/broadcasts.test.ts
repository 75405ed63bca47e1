import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { loadConfig, type BroadcastDetailResponse, type BroadcastsResponse, type EventInput } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { createFormat } from "../../dashboard/src/i18n/format.js";
import { parseFilters, toApiFilters, type ApiFilters } from "../../dashboard/src/filters/filters.js";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";

/**
 * A marketer checks how two broadcasts did, in real Chromium against the embedded default: the Broadcasts page
 * shows the API's figures, says that Telegram never reports reads instead of showing 0, and shows one
 * broadcast's funnel and hourly timeline with the API's numbers; a shorter conversion window picked on the page shows
 * the API's figures for that window, and stays in the link.
 */
const TZ = "Europe/Moscow";
const en = createFormat("en");
let server: EmbeddedServer;
let browser: BrowserSession;
let dataDir: string;

async function api<T>(pathname: string, filters: ApiFilters, extra: Record<string, string> = {}): Promise<T> {
  const params = new URLSearchParams({ from: filters.from, to: filters.to, tz: filters.tz, ...extra });
  const response = await fetch(`${server.url}/api/v1/${pathname}?${params}`, { headers: { Authorization: `Bearer ${server.keys.readKey}` } });
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const t0 = Date.now() - 5 * 3_600_000;
const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
const event = (fields: Partial<EventInput> & Pick<EventInput, "type" | "userId">): EventInput => ({ id: randomUUID(), channel: "whatsapp", botId: "shop_bot", timestamp: at(0), ...fields });

beforeAll(async () => {
  ensureDashboardBuilt();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-broadcasts-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5" }));
  browser = await launchBrowser({ locale: "en-US", timezoneId: TZ });
  const sale = { broadcastId: "fri-sale" };
  const news = { broadcastId: "tg-news", channel: "telegram" as const };
  const events: EventInput[] = [];
  for (const [i, userId] of ["wa-1", "wa-2", "wa-3", "wa-4"].entries()) {
    events.push(event({ type: "broadcast_sent", userId, ...sale }));
    if (i < 3) events.push(event({ type: "broadcast_delivered", userId, timestamp: at(1), ...sale }));
    if (i < 2) events.push(event({ type: "broadcast_read", userId, timestamp: at(70), ...sale }));
  }
  events.push(event({ type: "broadcast_failed", userId: "wa-4", timestamp: at(1), properties: { reason: "131049 marketing limit" }, ...sale }));
  events.push(event({ type: "broadcast_clicked", userId: "wa-1", timestamp: at(72), ...sale }));
  events.push(event({ type: "order", userId: "wa-1", timestamp: at(80), revenue: 2500, currency: "RUB" }));
  events.push(event({ type: "lead", userId: "wa-2", timestamp: at(90) }));
  events.push(event({ type: "unsubscribed", userId: "wa-3", timestamp: at(120) }));
  for (const userId of ["tg-1", "tg-2"]) {
    events.push(event({ type: "broadcast_sent", userId, timestamp: at(60), ...news }));
    events.push(event({ type: "broadcast_delivered", userId, timestamp: at(61), ...news }));
  }
  const response = await fetch(`${server.url}/v1/events`, {
    method: "POST",
    headers: { Authorization: `Bearer ${server.keys.writeKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ events }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(await response.json()).toMatchObject({ accepted: events.length, rejected: [] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("broadcasts in Chromium on the embedded default", () => {
  it("shows each broadcast's figures, unreported reads as words, and one broadcast's funnel and timeline", async () => {
    const page: Page = await browser.context.newPage();
    await page.goto(`${server.url}/broadcasts#key=${server.keys.readKey}`);
    const filters = toApiFilters(parseFilters(new URL(page.url()).searchParams, new Date(), TZ));
    // Events go through the writer's batches: wait until the API sees them all.
    await expect.poll(async () => (await api<BroadcastsResponse>("broadcasts", filters)).broadcasts.map((b) => b.sent).join(), { timeout: 15_000 }).toBe("2,4");
    const list = await api<BroadcastsResponse>("broadcasts", filters);
    await page.reload();
    const table = page.getByTestId("broadcasts-table");
    await table.waitFor();
    const sale = list.broadcasts.find((b) => b.broadcastId === "fri-sale")!;
    expect(sale).toMatchObject({ sent: 4, delivered: 3, read: 2, clicked: 1, failed: 1, leads: 1, orders: 1, unsubscribedOrBlocked: 1 });
    const row = table.locator('tr[data-broadcast="fri-sale"]');
    for (const metric of ["sent", "delivered", "read", "clicked", "unsubscribedOrBlocked", "leads", "orders"] as const) {
      expect(await row.locator(`[data-metric="${metric}"]`).innerText(), metric).toBe(en.integer(sale[metric]!));
    }
    const failed = row.locator('[data-metric="failed"]');
    await failed.getByText("Top failure reasons").click();
    expect(await failed.locator("li").allInnerTexts()).toEqual(["131049 marketing limit: 1"]);
    expect(await row.locator('[data-metric="revenue"]').innerText()).toBe(en.money(sale.revenue));
    expect(await row.locator('[data-metric="readRate"]').innerText()).toBe(en.percent(sale.readRate));
    expect(await row.locator('[data-metric="clickRate"]').innerText()).toBe(en.percent(sale.clickRate));
    const news = table.locator('tr[data-broadcast="tg-news"]');
    expect(list.broadcasts.find((b) => b.broadcastId === "tg-news")!.read).toBeNull();
    expect(await news.locator('[data-metric="read"]').innerText()).toBe("not reported by Telegram/VK");

    await row.getByRole("button", { name: "fri-sale" }).click();
    const detail = await api<BroadcastDetailResponse>("broadcasts/fri-sale", filters);
    const funnel = page.getByRole("group", { name: "Funnel of fri-sale: sent → delivered → read → clicked → lead / order" });
    await funnel.waitFor();
    const b = detail.broadcast;
    await expect.poll(() => funnel.locator('tbody td[data-series="users"]').allTextContents()).toEqual([b.sent, b.delivered, b.read!, b.clicked, b.leads, b.orders].map(en.integer));
    const timeline = page.getByRole("group", { name: "fri-sale hour by hour: users delivered, read and clicked" });
    const cells = detail.hours.flatMap((h) => [h.delivered, h.read ?? 0, h.clicked].map(en.integer));
    expect(await timeline.locator("tbody td").allTextContents()).toEqual(cells);
    expect(detail.hours.reduce((sum, h) => sum + h.delivered, 0)).toBe(3);
    await screenshot(page, "broadcasts");

    // 1 hour instead of the default 3 days: fri-sale's order (79 min after delivery) and lead (89 min) drop out.
    await page.getByRole("combobox", { name: "Leads and orders within" }).selectOption({ label: "1 hour" });
    expect(new URL(page.url()).searchParams.get("window")).toBe("1h");
    const hourList = await api<BroadcastsResponse>("broadcasts", filters, { window: "1h" });
    const hourSale = hourList.broadcasts.find((b) => b.broadcastId === "fri-sale")!;
    expect(hourList.windowSeconds).toBe(3600);
    expect(hourSale).toMatchObject({ sent: 4, delivered: 3, leads: 0, orders: 0 });
    await table.getByRole("columnheader", { name: "Leads within 1 hour" }).waitFor();
    const windowed = ["leads", "orders", "revenue", "leadRate", "orderRate"] as const;
    const shown = async () => Object.fromEntries(await Promise.all(windowed.map(async (metric) => [metric, await row.locator(`[data-metric="${metric}"]`).innerText()] as const)));
    const expected = { leads: en.integer(hourSale.leads), orders: en.integer(hourSale.orders), revenue: en.money(hourSale.revenue), leadRate: en.percent(hourSale.leadRate), orderRate: en.percent(hourSale.orderRate) };
    await expect.poll(shown).toEqual(expected);
    expect(expected).not.toEqual({ leads: en.integer(sale.leads), orders: en.integer(sale.orders), revenue: en.money(sale.revenue), leadRate: en.percent(sale.leadRate), orderRate: en.percent(sale.orderRate) });
    const hourDetail = (await api<BroadcastDetailResponse>("broadcasts/fri-sale", filters, { window: "1h" })).broadcast;
    const hourFunnel = [hourDetail.sent, hourDetail.delivered, hourDetail.read!, hourDetail.clicked, hourDetail.leads, hourDetail.orders].map(en.integer);
    await expect.poll(() => funnel.locator('tbody td[data-series="users"]').allTextContents()).toEqual(hourFunnel);
    expect(await funnel.locator("tbody th").allTextContents()).toEqual(["Sent", "Delivered", "Read", "Clicked", "Leads within 1 hour", "Orders within 1 hour"]);

    // The link reproduces the view: opened afresh, the page asks the same window and shows the same figures.
    await page.goto(page.url());
    await table.getByRole("columnheader", { name: "Leads within 1 hour" }).waitFor();
    expect(await page.getByRole("combobox", { name: "Leads and orders within" }).inputValue()).toBe("1h");
    await expect.poll(shown).toEqual(expected);
    await page.close();
  });
});
