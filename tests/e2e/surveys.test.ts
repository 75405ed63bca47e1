import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { loadConfig, type EventInput, type SurveysResponse } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { createFormat } from "../../dashboard/src/i18n/format.js";
import { parseFilters, toApiFilters } from "../../dashboard/src/filters/filters.js";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";

/**
 * A marketer reads what the survey said, in real Chromium on the embedded default: the page shows the API's answers
 * and shares, and, with a shorter conversion window picked, the API's shares for that window.
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
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-surveys-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5" }));
  browser = await launchBrowser({ locale: "en-US", timezoneId: TZ });
  const events: EventInput[] = [];
  // Four users say where they heard of the shop; two of the "friend" ones leave a lead, one of them orders.
  for (const [i, answer] of ["friend", "friend", "friend", "ads"].entries()) events.push(event({ type: "survey_answered", userId: `u${i}`, timestamp: at(i), properties: { question: "source", answer } }));
  events.push(event({ type: "lead", userId: "u0", timestamp: at(60) }), event({ type: "lead", userId: "u1", timestamp: at(70) }), event({ type: "order", userId: "u1", timestamp: at(80), revenue: 500, currency: "RUB" }));
  events.push(event({ type: "survey_answered", userId: "u0", timestamp: at(90), properties: { question: "csat", answer: 5 } }));
  // The "ads" user leaves a lead two hours after answering: inside the default 7 days, outside a 1-hour window.
  events.push(event({ type: "lead", userId: "u3", timestamp: at(3 + 7200) }));
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

describe("surveys in Chromium on the embedded default", () => {
  it("shows the API's answers per question with responses, users and lead / order shares", async () => {
    const page: Page = await browser.context.newPage();
    await page.goto(`${server.url}/surveys#key=${server.keys.readKey}`);
    const filters = toApiFilters(parseFilters(new URL(page.url()).searchParams, new Date(), TZ));
    const get = async (window?: string) => {
      const params = new URLSearchParams({ from: filters.from, to: filters.to, tz: filters.tz, ...(window ? { window } : {}) });
      const res = await fetch(`${server.url}/api/v1/surveys?${params}`, { headers: { Authorization: `Bearer ${server.keys.readKey}` } });
      return (await res.json()) as SurveysResponse;
    };
    // Events go through the writer's batches: wait until the API sees them all (the late lead included).
    await expect.poll(async () => (await get()).questions.reduce((sum, q) => sum + q.responses, 0), { timeout: 15_000 }).toBe(5);
    await expect.poll(async () => (await get()).questions[0]?.answers.find((a) => a.answer === "ads")?.leadShare, { timeout: 15_000 }).toBe(1);
    const data = await get();
    expect(data.questions[0]).toMatchObject({ question: "source", responses: 4, users: 4 });
    expect(data.questions[0]!.answers[0]).toEqual({ answer: "friend", responses: 3, users: 3, leadShare: 2 / 3, orderShare: 1 / 3 });
    await page.reload();
    const panels = page.getByTestId("survey-question");
    await panels.first().waitFor();
    // Every answer's figures as the page shows them, and as the API's answer says they should read.
    const shown = async () => {
      const rows: string[][] = [];
      for (const index of Array.from({ length: await panels.count() }, (_, i) => i)) {
        const panel = panels.nth(index);
        const question = await panel.locator("h2").innerText();
        for (const row of await panel.locator("table.data tbody tr").all()) {
          const cell = (col: string) => row.locator(`[data-col="${col}"]`).innerText();
          rows.push([question, await row.locator("th").innerText(), await cell("responses"), await cell("users"), await cell("leadShare"), await cell("orderShare")]);
        }
      }
      return rows;
    };
    const expected = (answer: SurveysResponse) =>
      answer.questions.flatMap((q) => q.answers.map((a) => [q.question, a.answer, en.integer(a.responses), en.integer(a.users), en.percent(a.leadShare), en.percent(a.orderShare)]));
    expect(await panels.count()).toBe(data.questions.length);
    expect(await shown()).toEqual(expected(data));
    const table = panels.first().locator("table.data");
    expect(await table.getByRole("columnheader", { name: "Lead share within 7 days" }).count()).toBe(1);
    await panels.first().locator(".recharts-bar-rectangle").first().waitFor();
    await screenshot(page, "surveys");

    // 1 hour instead of 7 days: the ads user's lead, two hours after the answer, no longer counts.
    await page.getByRole("combobox", { name: "Leads and orders within" }).selectOption({ label: "1 hour" });
    expect(new URL(page.url()).searchParams.get("window")).toBe("1h");
    const hour = await get("1h");
    expect(hour.windowSeconds).toBe(3600);
    expect(hour.questions[0]!.answers.find((a) => a.answer === "ads")!.leadShare).toBe(0);
    await table.getByRole("columnheader", { name: "Lead share within 1 hour" }).waitFor();
    await expect.poll(shown).toEqual(expected(hour));
    expect(expected(hour)).not.toEqual(expected(data));
    // The link reproduces the view.
    await page.goto(page.url());
    await table.getByRole("columnheader", { name: "Order share within 1 hour" }).waitFor();
    await expect.poll(shown).toEqual(expected(hour));
    await page.close();
  });
});
