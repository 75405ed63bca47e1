import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { loadConfig, type EventInput, type PathsResponse } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { createFormat } from "../../dashboard/src/i18n/format.js";
import { parseFilters, toApiFilters } from "../../dashboard/src/filters/filters.js";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";

/**
 * A marketer looks for where in the script users leave, in real Chromium on the embedded default: the Paths page
 * shows the API's nodes; clicking a node in the Sankey lists its users and downloads them as CSV.
 */
const TZ = "Europe/Moscow";
const en = createFormat("en");
let server: EmbeddedServer;
let browser: BrowserSession;
let dataDir: string;

const t0 = Date.now() - 5 * 3_600_000;
const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
const event = (fields: Partial<EventInput> & Pick<EventInput, "type" | "userId">): EventInput => ({ id: randomUUID(), channel: "telegram", botId: "shop_bot", timestamp: at(0), ...fields });

beforeAll(async () => {
  ensureDashboardBuilt();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-paths-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5" }));
  browser = await launchBrowser({ locale: "en-US", timezoneId: TZ });
  const events: EventInput[] = [];
  // Three users start; two open the catalog (one then buys), one leaves at the menu.
  for (const [i, userId] of ["u1", "u2", "u3"].entries()) {
    events.push(event({ type: "bot_started", userId, timestamp: at(i * 10) }));
    events.push(event({ type: "message_sent", userId, timestamp: at(i * 10 + 1), properties: { node: "menu" } }));
    if (i < 2) events.push(event({ type: "button_clicked", userId, timestamp: at(i * 10 + 2), properties: { button: "catalog" } }));
  }
  events.push(event({ type: "order", userId: "u1", timestamp: at(5), revenue: 100, currency: "RUB" }));
  const response = await fetch(`${server.url}/v1/events`, {
    method: "POST",
    headers: { Authorization: `Bearer ${server.keys.writeKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ events }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("paths in Chromium on the embedded default", () => {
  it("shows the API's nodes; a click on a Sankey node lists its users and downloads them as CSV", async () => {
    const page: Page = await browser.context.newPage();
    await page.goto(`${server.url}/paths?depth=4#key=${server.keys.readKey}`);
    const filters = toApiFilters(parseFilters(new URL(page.url()).searchParams, new Date(), TZ));
    const get = async () => {
      const params = new URLSearchParams({ from: filters.from, to: filters.to, tz: filters.tz, depth: "4" });
      const res = await fetch(`${server.url}/api/v1/paths?${params}`, { headers: { Authorization: `Bearer ${server.keys.readKey}` } });
      return (await res.json()) as PathsResponse;
    };
    // Events go through the writer's batches: wait until the API sees them all.
    await expect.poll(async () => (await get()).nodes.find((n) => n.step === 4)?.users, { timeout: 15_000 }).toBe(1);
    const data = await get();
    expect(data.nodes.map((n) => [n.step, n.kind, n.label, n.users, n.endedUsers])).toEqual([
      [1, "type", "bot_started", 3, 0],
      [2, "node", "menu", 3, 1],
      [3, "button", "catalog", 2, 1],
      [4, "type", "order", 1, 1],
    ]);
    await page.reload();
    const rows = page.getByTestId("path-node-row");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(data.nodes.length);
    for (const [index, node] of data.nodes.entries()) {
      expect(await rows.nth(index).locator("th").innerText()).toBe(node.label);
      expect(await rows.nth(index).locator('[data-col="users"]').innerText()).toBe(en.integer(node.users));
      expect(await rows.nth(index).locator('[data-col="endedUsers"]').innerText()).toBe(en.integer(node.endedUsers));
    }
    // The Sankey arrives in its own chunk after the table.
    await expect.poll(() => page.getByTestId("sankey-node").count(), { timeout: 10_000 }).toBe(data.nodes.length);

    await page.locator('[data-testid="sankey-node"][data-index="2"]').click();
    const list = page.getByTestId("path-users");
    await list.getByRole("heading", { name: "Users at step 3: catalog" }).waitFor();
    await expect.poll(() => list.locator("tbody tr").allInnerTexts()).toEqual(["u1\tTelegram\tno", "u2\tTelegram\tyes"]);
    const [download] = await Promise.all([page.waitForEvent("download"), list.getByRole("button", { name: "Export CSV" }).click()]);
    const csv = fs.readFileSync((await download.path())!, "utf8");
    expect(csv).toBe("channel,userId,ended\r\ntelegram,u1,false\r\ntelegram,u2,true\r\n");
    await screenshot(page, "paths");
    await page.close();
  });
});
