import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type EventInput } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";
import { TelegramBotApiStandIn } from "../support/telegram-bot-api-stand-in.js";

/**
 * An executive's alerts, in real Chromium against the embedded default with a local Bot API stand-in: save a
 * funnel on the Funnel page and open it again, create an alert on the Alerts page (a bad token is refused beside
 * its field), check it now and read what it found and sent, its history, delete it; the page in Russian.
 */
let server: EmbeddedServer;
let browser: BrowserSession;
let dataDir: string;
const telegram = new TelegramBotApiStandIn();
const TOKEN = "123456789:AAExampleSecretPartOfTheTokenAbcdEFGH";

beforeAll(async () => {
  ensureDashboardBuilt();
  await telegram.start();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-alerts-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5", TELEGRAM_API_URL: telegram.url }));
  browser = await launchBrowser({ locale: "en-US", timezoneId: "UTC" });
  // Three leads yesterday (UTC, the embedded project's zone): the last full day a daily alert looks at.
  const yesterdayNoon = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 43_200_000;
  const events: EventInput[] = [0, 1, 2].map((i) => ({ id: randomUUID(), type: "lead", channel: "telegram", botId: "shop_bot", userId: `u${i}`, timestamp: new Date(yesterdayNoon + i * 1000).toISOString() }));
  const posted = await fetch(`${server.url}/v1/events`, { method: "POST", headers: { Authorization: `Bearer ${server.keys.writeKey}`, "Content-Type": "application/json" }, body: JSON.stringify({ events }) });
  expect(posted.status).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await telegram.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("alerts page in Chromium on the embedded default", () => {
  it("saves a funnel and opens it again from the Funnel page", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/funnel?steps=bot_started&steps=lead&window=3d#key=${server.keys.manageKey}`);
    const saved = page.getByTestId("saved-funnels");
    await saved.getByText("No saved funnels yet.").waitFor();
    await saved.getByLabel("Name").fill("Start to lead");
    await saved.getByRole("button", { name: "Save this funnel" }).click();
    await saved.getByText("Saved as “Start to lead”.").waitFor();
    const open = saved.getByRole("button", { name: "Open the saved funnel Start to lead" });
    await open.waitFor();
    expect(await saved.innerText()).toContain("bot_started → lead");

    await page.goto(`${server.url}/funnel?steps=bot_started&steps=order#key=${server.keys.manageKey}`);
    await open.click();
    await expect.poll(() => new URL(page.url()).searchParams.getAll("steps")).toEqual(["bot_started", "lead"]);
    expect(new URL(page.url()).searchParams.get("window")).toBe("3d");
    await page.close();
  });

  it("creates an alert, checks it now, shows its history and deletes it", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/alerts#key=${server.keys.manageKey}`);
    const form = page.getByRole("form", { name: "New alert" });
    await form.waitFor();
    await page.getByText("No alerts yet.").waitFor();
    // The saved funnel is one of the figures to watch.
    await expect.poll(() => form.getByLabel("Figure").locator("option").allInnerTexts()).toContain("Funnel conversion: Start to lead");

    await form.getByLabel("Name").fill("Leads came in");
    await form.getByLabel("Figure").selectOption("leads");
    await form.getByLabel("Condition").selectOption("above");
    await form.getByLabel("Value").fill("2");
    await form.getByLabel("Check").selectOption("daily");
    await form.getByLabel("Bot token").fill("not-a-token");
    await form.getByLabel("Chat id").fill("-1001234567890");
    await form.getByRole("button", { name: "Create alert" }).click();
    const token = form.getByLabel("Bot token");
    await expect.poll(() => token.getAttribute("aria-invalid")).toBe("true");
    expect(await form.locator('[data-field="botToken"] .field-error').innerText()).toContain("Telegram bot token");

    await token.fill(TOKEN);
    await form.getByRole("button", { name: "Create alert" }).click();
    await page.getByTestId("created-alert").waitFor();
    const row = page.locator("[data-testid=alerts-table] tbody tr").first();
    await row.waitFor();
    expect(await row.innerText()).toContain("Leads came in");
    expect(await row.innerText()).toContain("is above 2");
    expect(await row.innerText()).toContain("Every day");
    expect(await row.locator('[data-field="last-run"]').innerText()).toBe("Not checked yet");

    await row.getByRole("button", { name: "Check the alert Leads came in now" }).click();
    const result = row.getByTestId("check-result");
    await expect.poll(() => result.innerText(), { timeout: 15_000 }).toMatch(/^Fired: 3 \(previous 0\) — 3 is above 2 Sent\.$/);
    expect(telegram.callsOf("sendMessage")).toHaveLength(1);
    expect(telegram.calls[0]!.token).toBe(TOKEN);
    expect(String(telegram.calls[0]!.fields.text)).toContain("Leads: 3 — above 2");
    await screenshot(page, "alerts-checked");

    await row.getByRole("button", { name: "History of the alert Leads came in" }).click();
    const history = page.getByTestId("alert-history");
    await history.waitFor({ timeout: 10_000 });
    const run = history.locator("tbody tr");
    expect(await run.count()).toBe(1);
    expect(await run.first().getAttribute("data-delivery")).toBe("sent");
    expect(await run.first().innerText()).toContain("Check now");

    // In Russian, like every page.
    await page.locator("select[name=language]").selectOption("ru");
    await page.getByRole("form", { name: "Новое оповещение" }).waitFor();
    expect(await row.innerText()).toContain("Каждый день");
    await page.locator("select[name=language]").selectOption("en");

    await row.getByRole("button", { name: "Delete the alert Leads came in" }).click();
    await page.getByRole("button", { name: "Yes, delete" }).click();
    await page.getByText("No alerts yet.").waitFor({ timeout: 10_000 });
    await page.close();
    // The embedded process runs the scheduler in-process, its evaluations on /metrics.
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain("# TYPE chatfunnel_alert_runs_total counter");
  });
});
