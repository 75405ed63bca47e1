import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type DigestsResponse, type EventInput, type OverviewResponse } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";
import { checkPng } from "../support/png.js";
import { TelegramBotApiStandIn } from "../support/telegram-bot-api-stand-in.js";

/**
 * An executive's morning digest set up in real Chromium against the embedded default: a bad bot token is
 * refused beside its field, a digest is created, "send now" shows what Telegram (the local stand-in) said and
 * the text sent, with yesterday's leads as the overview counts them; the language setting turns it Russian;
 * a refusal shows on the page and in the list; the digest is deleted.
 */
const TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra";
let server: EmbeddedServer;
let browser: BrowserSession;
let dataDir: string;
const telegram = new TelegramBotApiStandIn();

async function api<T>(pathname: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${server.url}/api/v1/${pathname}`, { ...init, headers: { Authorization: `Bearer ${server.keys.manageKey}`, "Content-Type": "application/json" } });
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

beforeAll(async () => {
  ensureDashboardBuilt();
  await telegram.start();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-digests-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5", TELEGRAM_API_URL: telegram.url }));
  browser = await launchBrowser({ locale: "en-US", timezoneId: "UTC" });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await telegram.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("digests page in Chromium on the embedded default", () => {
  it("creates a digest, sends it now with the result shown, in the project's language, and deletes it", async () => {
    // Two leads yesterday (UTC, the project's zone): what the digest must report.
    const yesterdayNoon = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - 1, 12)).toISOString();
    const leads: EventInput[] = ["a", "b"].map((userId) => ({ id: randomUUID(), type: "lead", channel: "telegram", botId: "shop_bot", userId, timestamp: yesterdayNoon }));
    const posted = await fetch(`${server.url}/v1/events`, { method: "POST", headers: { Authorization: `Bearer ${server.keys.writeKey}`, "Content-Type": "application/json" }, body: JSON.stringify({ events: leads }) });
    expect(posted.status).toBe(200);
    const day = yesterdayNoon.slice(0, 10);
    const today = new Date(Date.parse(yesterdayNoon) + 86_400_000).toISOString().slice(0, 10);
    const overview = await api<OverviewResponse>(`overview?from=${day}&to=${today}`);
    expect(overview.current.leads).toBe(2);

    const page = await browser.context.newPage();
    await page.goto(`${server.url}/digests#key=${server.keys.manageKey}`);
    const form = page.getByRole("form", { name: "New digest" });
    await form.waitFor();
    await page.getByText("No digests yet.").waitFor();

    // A token of the wrong shape: the API's 400 beside the token field, nothing created.
    await form.getByLabel("Name").fill("Morning figures");
    await form.getByLabel("Bot token").fill("not-a-token");
    await form.getByLabel("Chat id").fill("-1001234567890");
    await form.getByRole("button", { name: "Create digest" }).click();
    const token = form.getByLabel("Bot token");
    await expect.poll(() => token.getAttribute("aria-invalid")).toBe("true");
    expect(await form.locator('[data-field="botToken"] .field-error').innerText()).toContain("BotFather");
    expect((await api<DigestsResponse>("digests")).digests).toEqual([]);

    await token.fill(TOKEN);
    await form.getByRole("button", { name: "Create digest" }).click();
    await page.getByTestId("digest-created").waitFor();
    const row = page.locator("[data-testid=digests-table] tbody tr").first();
    await row.waitFor();
    expect(await row.innerText()).toContain("Morning figures");
    expect(await row.innerText()).toContain("Daily");
    expect(await row.innerText()).toContain("Telegram -1001234567890 (bot 123456789)");
    expect(await row.innerText()).not.toContain(TOKEN.split(":")[1]);
    expect(await row.locator('[data-field="last-send"]').innerText()).toBe("Not sent yet");

    // Send now: the stand-in gets the chart with the text; the page says sent and shows the text.
    await row.getByRole("button", { name: "Send the digest Morning figures now" }).click();
    const result = row.getByTestId("send-result");
    await expect.poll(() => result.getAttribute("data-ok"), { timeout: 15_000 }).toBe("true");
    expect(await result.innerText()).toContain(`Sent: ${day}`);
    const photo = telegram.callsOf("sendPhoto")[0];
    expect(photo?.token).toBe(TOKEN);
    expect(String(photo?.fields.caption)).toContain("Leads: 2");
    expect(checkPng(photo?.files.photo?.bytes ?? Buffer.alloc(0))).toMatchObject({ width: 800, height: 400 });
    await row.getByText("Text sent").click();
    expect(await row.getByTestId("send-text").innerText()).toContain("Leads: 2");
    await expect.poll(() => row.locator('[data-field="last-send"]').innerText(), { timeout: 15_000 }).toMatch(/^Sent/);
    await screenshot(page, "digests-sent");

    // The language setting: Russian from the next send on.
    await api("project", { method: "PATCH", body: JSON.stringify({ language: "ru" }) });
    await row.getByRole("button", { name: "Send the digest Morning figures now" }).click();
    await expect.poll(() => telegram.callsOf("sendPhoto").length, { timeout: 15_000 }).toBe(2);
    expect(String(telegram.callsOf("sendPhoto")[1]?.fields.caption)).toContain("Заявки: 2");

    // Telegram refuses: the page says why, and so does the list.
    telegram.respond = () => ({ status: 403, body: { ok: false, error_code: 403, description: "Forbidden: bot was kicked from the group chat" } });
    await row.getByRole("button", { name: "Send the digest Morning figures now" }).click();
    await expect.poll(() => result.getAttribute("data-ok"), { timeout: 15_000 }).toBe("false");
    expect(await result.innerText()).toContain("Forbidden: bot was kicked from the group chat");
    await expect.poll(() => row.locator('[data-field="last-send"]').innerText(), { timeout: 15_000 }).toMatch(/^Not delivered\s*— Forbidden: bot was kicked/);
    await screenshot(page, "digests-refused");

    await row.getByRole("button", { name: "Delete the digest Morning figures" }).click();
    await page.getByRole("button", { name: "Yes, delete" }).click();
    await page.getByText("No digests yet.").waitFor({ timeout: 10_000 });
    expect((await api<DigestsResponse>("digests")).digests).toEqual([]);
    await page.close();
  });

  it("the Settings page sets the project's language", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/settings#key=${server.keys.manageKey}`);
    const language = page.locator("#settings-language");
    await language.waitFor();
    await language.selectOption("en");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByTestId("settings-saved").waitFor();
    expect((await api<{ language: string }>("project")).language).toBe("en");
    await language.selectOption("ru");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByTestId("settings-saved").waitFor();
    expect((await api<{ language: string }>("project")).language).toBe("ru");
    expect(await language.inputValue()).toBe("ru");
    await page.close();
  });
});
