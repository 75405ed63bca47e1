import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { loadConfig, type EventInput, type RetentionResponse, type RetentionUsersResponse } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { createFormat } from "../../dashboard/src/i18n/format.js";
import { parseFilters, todayIn, addDays, toApiFilters, type ApiFilters } from "../../dashboard/src/filters/filters.js";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";

/**
 * A marketer asks whether users come back and whether campaigns pay back, in real Chromium against the embedded
 * default: the Retention page's triangle, groups and LTV/CAC table show the API's numbers; clicking a cohort cell
 * lists its users and downloads them as CSV.
 */
const TZ = "Europe/Moscow";
const en = createFormat("en");
let server: EmbeddedServer;
let browser: BrowserSession;
let dataDir: string;

const DAY = 86_400_000;
const now = Date.now();
/** n days ago, at the same time of day as now minus an hour: inside the last 30 days of the page's default range. */
const daysAgo = (n: number, minutes = 0) => new Date(now - n * DAY - 3_600_000 + minutes * 60_000).toISOString();
const event = (fields: Partial<EventInput> & Pick<EventInput, "type" | "userId" | "timestamp">): EventInput => ({ id: randomUUID(), channel: "telegram", botId: "shop_bot", ...fields });
const autumn = { source: "vk_ads", campaign: "autumn" };
const winter = { source: "yandex", campaign: "winter" };

async function get<T>(metric: string, query: Record<string, string | number | undefined>): Promise<T> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const response = await fetch(`${server.url}/api/v1/${metric}?${params}`, { headers: { Authorization: `Bearer ${server.keys.readKey}` } });
  if (!response.ok) throw new Error(`${metric}: ${response.status} ${await response.text()}`);
  return (metric.endsWith("users") && params.get("format") === "csv" ? response.text() : response.json()) as Promise<T>;
}
const common = (filters: ApiFilters) => ({ from: filters.from, to: filters.to, tz: filters.tz });
const retention = (filters: ApiFilters, extra: Record<string, string | number> = {}) => get<RetentionResponse>("retention", { ...common(filters), interval: "week", periods: 8, cohort: "first_seen", return: "any", ...extra });

beforeAll(async () => {
  ensureDashboardBuilt();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-retention-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5" }));
  browser = await launchBrowser({ locale: "en-US", timezoneId: TZ });
  const events: EventInput[] = [
    // Three weeks ago: two users from the autumn campaign and one organic; one of them comes back twice and buys.
    event({ type: "bot_started", userId: "u1", timestamp: daysAgo(20), source: autumn }),
    event({ type: "message_received", userId: "u1", timestamp: daysAgo(13) }),
    event({ type: "order", userId: "u1", timestamp: daysAgo(12), revenue: 1500, currency: "RUB" }),
    event({ type: "message_received", userId: "u1", timestamp: daysAgo(5) }),
    event({ type: "bot_started", userId: "u2", timestamp: daysAgo(20, 5), source: autumn }),
    event({ type: "bot_started", userId: "u3", timestamp: daysAgo(19) }),
    event({ type: "message_received", userId: "u3", timestamp: daysAgo(11) }),
    // Ten days ago: the winter campaign, one user pays a week later.
    event({ type: "bot_started", userId: "u4", timestamp: daysAgo(10), source: winter }),
    event({ type: "message_received", userId: "u4", timestamp: daysAgo(2) }),
    event({ type: "payment", userId: "u4", timestamp: daysAgo(2, 1), revenue: 700, currency: "RUB" }),
    event({ type: "bot_started", userId: "u5", timestamp: daysAgo(9), source: winter }),
    event({ type: "bot_started", userId: "u6", timestamp: daysAgo(3) }),
  ];
  const response = await fetch(`${server.url}/v1/events`, {
    method: "POST",
    headers: { Authorization: `Bearer ${server.keys.writeKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ events }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(await response.json()).toMatchObject({ accepted: events.length, rejected: [] });
  // Each campaign's spend on the day its users came: CAC per campaign.
  const localDay = (iso: string) => todayIn(TZ, new Date(iso));
  const spend = await fetch(`${server.url}/api/v1/spend`, {
    method: "POST",
    headers: { Authorization: `Bearer ${server.keys.manageKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      rows: [
        { date: localDay(daysAgo(20)), channel: "telegram", campaign: "autumn", amount: 1000, currency: "RUB" },
        { date: localDay(daysAgo(10)), channel: "telegram", campaign: "winter", amount: 500, currency: "RUB" },
      ],
    }),
  });
  expect(spend.status, await spend.clone().text()).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("retention in Chromium on the embedded default", () => {
  it("shows the API's triangle, groups and LTV against CAC; a cohort cell lists its users and downloads them as CSV", async () => {
    const page: Page = await browser.context.newPage();
    await page.goto(`${server.url}/retention#key=${server.keys.readKey}`);
    const filters = toApiFilters(parseFilters(new URL(page.url()).searchParams, new Date(), TZ));
    expect(filters.to).toBe(addDays(todayIn(TZ), 1));
    // Events go through the writer's batches: wait until the API sees every user.
    await expect.poll(async () => (await retention(filters)).cohorts.reduce((sum, row) => sum + row.size, 0), { timeout: 15_000 }).toBe(6);
    const data = await retention(filters);
    // Non-trivial: someone came back after their first week.
    const returning = data.cohorts.flatMap((row) => row.cells.filter((cell) => cell.period > 0 && (cell.users ?? 0) > 0).map((cell) => ({ row, cell })));
    expect(returning.length).toBeGreaterThan(0);
    await page.reload();
    const triangle = page.getByTestId("retention-triangle");
    await triangle.waitFor();
    expect(await triangle.locator("tbody tr").count()).toBe(data.cohorts.length);
    const button = (start: string, period: number) => triangle.locator(`tr[data-cohort="${start}"] td[data-period="${period}"] button`);
    for (const row of data.cohorts) {
      const tr = triangle.locator(`tr[data-cohort="${row.start}"]`);
      expect(await tr.locator('[data-col="size"]').innerText()).toBe(en.integer(row.size));
      expect(await tr.locator('[data-col="cac"]').innerText()).toBe(row.cac === null ? "—" : en.money({ amount: row.cac, currency: data.currency }));
      for (const cell of row.cells) {
        if (!cell.observed) expect(await button(row.start, cell.period).count(), `${row.start} ${cell.period}`).toBe(0);
        else expect(await button(row.start, cell.period).innerText(), `${row.start} ${cell.period}`).toBe(en.percent(cell.share));
      }
    }
    await page.getByRole("radio", { name: "users" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("show")).toBe("users");
    for (const row of data.cohorts) for (const cell of row.cells.filter((c) => c.observed)) expect(await button(row.start, cell.period).innerText()).toBe(en.integer(cell.users!));

    const groups = page.getByTestId("retention-groups");
    const all = data.groups[0]!;
    expect(await groups.locator("tbody tr").first().locator('[data-col="size"]').innerText()).toBe(en.integer(all.size));
    for (const cell of all.cells) expect(await groups.locator(`tbody tr td[data-period="${cell.period}"]`).first().innerText()).toBe(en.percent(cell.share));

    // LTV against CAC: the API's campaign breakdown, row by row.
    const byCampaign = await retention(filters, { breakdown: "campaign" });
    expect(byCampaign.groups.map((g) => g.group).sort()).toEqual(["autumn", "winter", null].sort());
    const ltvTable = page.getByTestId("ltv-cac-table");
    await ltvTable.waitFor();
    // The period the page compares at is the one its picker shows; the figures are the API's at that period.
    const ltvPeriod = Number(await page.getByRole("combobox", { name: "LTV at period" }).inputValue());
    expect(await ltvTable.getByRole("columnheader", { name: `LTV, period ${ltvPeriod}` }).count()).toBe(1);
    for (const group of byCampaign.groups.filter((g) => g.group !== null)) {
      const tr = ltvTable.locator(`tr[data-group="${group.group}"]`);
      // Every campaign had a cohort reach the default period: more than half of the users did.
      const ltv = group.cells[ltvPeriod]!.revenuePerUser;
      expect(ltv, group.group!).not.toBeNull();
      expect(await tr.locator('[data-col="size"]').innerText()).toBe(en.integer(group.size));
      expect(await tr.locator('[data-col="ltv"]').innerText()).toBe(en.money({ amount: ltv!, currency: byCampaign.currency }));
      expect(group.cac, group.group!).not.toBeNull();
      expect(await tr.locator('[data-col="cac"]').innerText()).toBe(en.money({ amount: group.cac!, currency: byCampaign.currency }));
    }

    // The cell of a returning cohort lists exactly the API's users, and its CSV is the API's.
    const { row, cell } = returning[0]!;
    await button(row.start, cell.period).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("cell")).toBe(`${row.start}:${cell.period}`);
    const cellQuery = { ...common(filters), interval: "week", periods: 8, cohort: "first_seen", return: "any", cohortStart: row.start, period: cell.period };
    const expected = await get<RetentionUsersResponse>("retention/users", cellQuery);
    expect(expected.total).toBe(cell.users);
    const list = page.getByTestId("retention-users");
    await list.getByRole("heading", { name: `Users of the ${en.date(`${row.start}T12:00:00Z`, "UTC")} cohort, period ${cell.period}` }).waitFor();
    await expect.poll(() => list.locator("tbody tr th").allInnerTexts()).toEqual(expected.users.map((u) => u.userId));
    const [download] = await Promise.all([page.waitForEvent("download"), list.getByRole("button", { name: "Export CSV" }).click()]);
    const csv = fs.readFileSync((await download.path())!, "utf8");
    expect(download.suggestedFilename()).toBe(`retention-${row.start}-period-${cell.period}.csv`);
    expect(csv).toBe(await get<string>("retention/users", { ...cellQuery, format: "csv", limit: 10_000 }));
    for (const user of expected.users) expect(csv).toContain(user.userId);
    await screenshot(page, "retention");
    await page.close();
  });
});
