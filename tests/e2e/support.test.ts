import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { loadConfig, type EventInput, type SupportResponse } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { createFormat } from "../../dashboard/src/i18n/format.js";
import { parseFilters, toApiFilters, type ApiFilters } from "../../dashboard/src/filters/filters.js";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";

/**
 * A support lead checks how the bot and the operators did, in real Chromium against the embedded default: the
 * Support page shows the API's rates, the bot's and a person's first response, CSAT and the use-case mix.
 */
const TZ = "Europe/Moscow";
const en = createFormat("en");
let server: EmbeddedServer;
let browser: BrowserSession;
let dataDir: string;

async function support(filters: ApiFilters): Promise<SupportResponse> {
  const params = new URLSearchParams({ from: filters.from, to: filters.to, tz: filters.tz, interval: "day" });
  const response = await fetch(`${server.url}/api/v1/support?${params}`, { headers: { Authorization: `Bearer ${server.keys.readKey}` } });
  if (!response.ok) throw new Error(`support: ${response.status} ${await response.text()}`);
  return (await response.json()) as SupportResponse;
}

const t0 = Date.now() - 5 * 3_600_000;
const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
const event = (fields: Partial<EventInput> & Pick<EventInput, "type" | "userId">): EventInput => ({ id: randomUUID(), channel: "telegram", botId: "shop_bot", timestamp: at(0), ...fields });

beforeAll(async () => {
  ensureDashboardBuilt();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-support-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5" }));
  browser = await launchBrowser({ locale: "en-US", timezoneId: TZ });
  const events: EventInput[] = [];
  // Three requests the bot answers (1 s, 2 s, 4 s); two of them it resolves alone, and one user pays.
  for (const [i, userId] of ["tg-1", "tg-2", "tg-3"].entries()) {
    events.push(event({ type: "message_received", userId, timestamp: at(0) }));
    events.push(event({ type: "message_sent", userId, timestamp: at(2 ** i) }));
    if (i < 2) events.push(event({ type: "resolved", userId, timestamp: at(60) }));
  }
  events.push(event({ type: "payment", userId: "tg-1", timestamp: at(90), revenue: 990, currency: "RUB" }));
  // The third is handed to a person, who answers 5 minutes later and resolves it; the user rates it.
  events.push(event({ type: "handoff", userId: "tg-3", timestamp: at(120), properties: { reason: "asked for a human" } }));
  events.push(event({ type: "message_sent", userId: "tg-3", timestamp: at(420), properties: { sender: "operator" } }));
  events.push(event({ type: "resolved", userId: "tg-3", timestamp: at(600) }));
  events.push(event({ type: "survey_answered", userId: "tg-3", timestamp: at(660), properties: { question: "csat", answer: 4 } }));
  events.push(event({ type: "survey_answered", userId: "tg-1", timestamp: at(100), properties: { question: "csat", answer: "5" } }));
  // A lead without a request: a session of its own in the mix.
  events.push(event({ type: "lead", userId: "tg-4", timestamp: at(30) }));
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

describe("support in Chromium on the embedded default", () => {
  it("shows the API's rates, first responses of the bot and of a person, CSAT and the use-case mix", async () => {
    const page: Page = await browser.context.newPage();
    await page.goto(`${server.url}/support#key=${server.keys.readKey}`);
    const filters = toApiFilters(parseFilters(new URL(page.url()).searchParams, new Date(), TZ));
    // Events go through the writer's batches: wait until the API sees them all.
    await expect.poll(async () => (await support(filters)).csat.responses, { timeout: 15_000 }).toBe(2);
    const data = await support(filters);
    expect(data).toMatchObject({ requests: 3, handoffRate: 1 / 3, botResolvedRate: 2 / 3, resolvedRate: 1, medianBotFirstResponseSeconds: 2, medianOperatorFirstResponseSeconds: 300 });
    await page.reload();
    const kpis = page.getByTestId("support-kpis");
    await kpis.waitFor();
    const kpi = (metric: string) => kpis.locator(`[data-metric="${metric}"]`).innerText();
    expect(await kpi("requests")).toBe(en.integer(data.requests));
    for (const metric of ["containedRate", "resolvedRate", "botResolvedRate", "handoffRate", "reopenedRate"] as const) expect(await kpi(metric), metric).toBe(en.percent(data[metric]));
    expect(await kpi("medianBotFirstResponseSeconds")).toBe(en.durationSeconds(data.medianBotFirstResponseSeconds));
    expect(await kpi("medianOperatorFirstResponseSeconds")).toBe(en.durationSeconds(data.medianOperatorFirstResponseSeconds));
    expect(await kpi("csatMean")).toBe(en.fixed(data.csat.mean!, 2));
    const csat = page.getByTestId("csat-distribution");
    for (const row of data.csat.distribution) expect(await csat.locator(`tr[data-rating="${row.rating}"] [data-metric="responses"]`).innerText()).toBe(en.integer(row.responses));

    const mix = page.getByRole("group", { name: "Share of sessions per day: payments, leads, surveys, handoffs" });
    const day = data.mix.find((bucket) => bucket.sessions > 0)!;
    expect(day.sessions).toBe(4);
    const cells = await mix.locator(`tr[data-bucket="${day.bucket}"] td`).allTextContents();
    expect(cells).toEqual([en.integer(day.sessions), ...[day.paymentShare, day.leadShare, day.surveyShare, day.handoffShare].map(en.percent)]);
    await screenshot(page, "support");
    await page.close();
  });
});
