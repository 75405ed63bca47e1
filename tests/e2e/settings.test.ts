import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { loadConfig, type EventInput, type OverviewResponse, type PersonDeletionsResponse, type ProjectSettingsResponse } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";

/**
 * The Settings page in real Chromium on the embedded default: an editor changes the project's name, zone,
 * session timeout and retention (a bad value is shown beside its field), and deletes a person through the
 * confirm step, seeing the rows removed and the audit log; the API agrees with what the page showed.
 */
let server: EmbeddedServer;
let browser: BrowserSession;
let dataDir: string;

async function api<T>(pathname: string): Promise<T> {
  const response = await fetch(`${server.url}/api/v1/${pathname}`, { headers: { Authorization: `Bearer ${server.keys.manageKey}` } });
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function send(events: EventInput[]): Promise<void> {
  const response = await fetch(`${server.url}/v1/events`, {
    method: "POST",
    headers: { Authorization: `Bearer ${server.keys.writeKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ events }),
  });
  expect(response.status).toBe(200);
}

const event = (userId: string, type: string, timestamp: string): EventInput => ({ id: randomUUID(), channel: "telegram", botId: "shop_bot", userId, type, timestamp });

async function open(pathAndQuery: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}${pathAndQuery}#key=${server.keys.manageKey}`);
  return page;
}

beforeAll(async () => {
  ensureDashboardBuilt();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-settings-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5" }));
  browser = await launchBrowser({ locale: "en-US", timezoneId: "UTC" });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("settings in Chromium on the embedded default", () => {
  it("edits the project's settings; a bad value is named beside its field and nothing changes", async () => {
    const page = await open("/settings");
    const name = page.locator("#settings-name");
    await name.waitFor();
    expect(await page.locator("#settings-timezone").inputValue()).toBe("UTC");
    expect(await page.locator("#settings-sessionTimeoutMinutes").inputValue()).toBe("30");

    await page.locator("#settings-timezone").fill("Mars/Base");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.locator("#settings-timezone-error").waitFor();
    expect((await api<ProjectSettingsResponse>("project")).timezone).toBe("UTC");

    await name.fill("Shop bot");
    await page.locator("#settings-timezone").fill("europe/moscow");
    await page.locator("#settings-sessionTimeoutMinutes").fill("45");
    await page.locator('input[name="keepForever"]').uncheck();
    await page.locator("#settings-retentionDays").fill("400");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByTestId("settings-saved").waitFor();
    // The page shows the zone as the engine spells it, as the API stored it.
    expect(await page.locator("#settings-timezone").inputValue()).toBe("Europe/Moscow");
    expect(await api<ProjectSettingsResponse>("project")).toMatchObject({ name: "Shop bot", timezone: "Europe/Moscow", sessionTimeoutMinutes: 45, retentionDays: 400 });
    await screenshot(page, "settings-saved");

    await page.reload();
    await page.locator("#settings-name").waitFor();
    expect(await page.locator("#settings-name").inputValue()).toBe("Shop bot");
    expect(await page.locator("#settings-retentionDays").inputValue()).toBe("400");
  });

  it("deletes a person after confirming, shows the rows removed and the audit log, and the reports drop them", async () => {
    const recent = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    await send([event("alice", "bot_started", recent(60)), event("alice", "lead", recent(59)), event("bob", "bot_started", recent(58))]);
    // Two days ahead: the project's zone is Europe/Moscow by now (the test above), where it is already tomorrow
    // from 21:00 UTC, and a range ending at the UTC tomorrow would then miss these events.
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const users = async () => (await api<OverviewResponse>(`overview?from=${new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10)}&to=${tomorrow}`)).current.users;
    expect(await users()).toBe(2);

    const page = await open("/settings");
    await page.locator("#person-userId").waitFor();
    await page.locator("#person-channel").selectOption("telegram");
    await page.locator("#person-userId").fill("alice");
    await page.getByRole("button", { name: "Delete…" }).click();
    const confirm = page.getByTestId("confirm-delete");
    await confirm.waitFor();
    expect(await confirm.innerText()).toContain("alice");
    // Nothing is deleted before the confirmation.
    expect(await users()).toBe(2);
    await confirm.getByRole("button", { name: "Yes, delete" }).click();
    const done = page.getByTestId("person-deleted");
    await done.waitFor();
    expect(await done.innerText()).toContain("events: 2");
    expect(await users()).toBe(1);
    const row = page.getByTestId("deletions-table").locator("tbody tr");
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.first().innerText()).toContain("alice");
    const log = await api<PersonDeletionsResponse>("people/deletions");
    expect(await row.first().innerText()).toContain(log.deletions[0]!.actor);
    await screenshot(page, "settings-person-deleted");

    // A person the project does not have: said so, nothing logged.
    await page.locator("#person-userId").fill("nobody");
    await page.getByRole("button", { name: "Delete…" }).click();
    await page.getByTestId("confirm-delete").getByRole("button", { name: "Yes, delete" }).click();
    await page.getByText("This project has no events of that user on that messenger.").waitFor();
    expect((await api<PersonDeletionsResponse>("people/deletions")).deletions).toHaveLength(1);
  });
});
