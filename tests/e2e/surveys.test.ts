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

/** A marketer reads what the survey said, in real Chromium on the embedded default: the page shows the API's answers and shares. */
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
    const get = async () => {
      const res = await fetch(`${server.url}/api/v1/surveys?${new URLSearchParams({ from: filters.from, to: filters.to, tz: filters.tz })}`, { headers: { Authorization: `Bearer ${server.keys.readKey}` } });
      return (await res.json()) as SurveysResponse;
    };
    // Events go through the writer's batches: wait until the API sees them all.
    await expect.poll(async () => (await get()).questions.reduce((sum, q) => sum + q.responses, 0), { timeout: 15_000 }).toBe(5);
    const data = await get();
    expect(data.questions[0]).toMatchObject({ question: "source", responses: 4, users: 4 });
    expect(data.questions[0]!.answers[0]).toEqual({ answer: "friend", responses: 3, users: 3, leadShare: 2 / 3, orderShare: 1 / 3 });
    await page.reload();
    const panels = page.getByTestId("survey-question");
    await panels.first().waitFor();
    expect(await panels.count()).toBe(data.questions.length);
    for (const [index, question] of data.questions.entries()) {
      const panel = panels.nth(index);
      expect(await panel.locator("h2").innerText()).toBe(question.question);
      for (const answer of question.answers) {
        const row = panel.locator("table.data tbody tr", { has: page.locator(`th:text-is("${answer.answer}")`) });
        const cell = (col: string) => row.locator(`[data-col="${col}"]`).innerText();
        expect(await cell("responses")).toBe(en.integer(answer.responses));
        expect(await cell("users")).toBe(en.integer(answer.users));
        expect(await cell("leadShare")).toBe(en.percent(answer.leadShare));
        expect(await cell("orderShare")).toBe(en.percent(answer.orderShare));
      }
    }
    await panels.first().locator(".recharts-bar-rectangle").first().waitFor();
    await screenshot(page, "surveys");
    await page.close();
  });
});
