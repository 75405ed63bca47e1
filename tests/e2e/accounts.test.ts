import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type EventInput } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";

/**
 * Accounts and share links in real Chromium on the embedded default: a user with roles in two projects logs in,
 * switches between them and sees each one's numbers, logs out; a client opens a share link and sees the
 * project's reports read-only, with the link's campaign in force, and a password-protected link asks first.
 */
const ADMIN_TOKEN = "e2e-admin-token-accounts-0123456";
const PASSWORD = "agency password 1";
let server: EmbeddedServer;
let browser: BrowserSession;
let dataDir: string;

interface Project {
  id: string;
  writeKey: string;
  manageKey: string;
}

async function post<T>(pathname: string, bearer: string, body: unknown): Promise<T> {
  const response = await fetch(`${server.url}${pathname}`, { method: "POST", headers: { Authorization: `Bearer ${bearer}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A project with `leads` leads yesterday, of which the first two carry campaign spring. */
async function project(name: string, leads: number): Promise<Project> {
  const created = await post<Project>("/admin/v1/projects", ADMIN_TOKEN, { name, timezone: "UTC" });
  const yesterday = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
  const events: EventInput[] = Array.from({ length: leads }, (_, i) => ({
    id: randomUUID(),
    type: "lead",
    channel: "telegram",
    botId: "shop_bot",
    userId: `${name}-${i}`,
    timestamp: yesterday,
    ...(i < 2 ? { source: { campaign: "spring" } } : {}),
  }));
  // A new key is known to the collector within its key cache's second.
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${server.url}/v1/events`, { method: "POST", headers: { Authorization: `Bearer ${created.writeKey}`, "Content-Type": "application/json" }, body: JSON.stringify({ events }) });
    if (response.ok) break;
    if (response.status !== 401 || attempt > 30) throw new Error(`events: ${response.status} ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return created;
}

let shopA: Project;
let shopB: Project;

beforeAll(async () => {
  ensureDashboardBuilt();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-accounts-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5", CHATFUNNEL_ADMIN_TOKEN: ADMIN_TOKEN }));
  browser = await launchBrowser({ locale: "en-US", timezoneId: "UTC" });
  shopA = await project("Shop A", 3);
  shopB = await project("Shop B", 5);
  await post("/admin/v1/users", ADMIN_TOKEN, { email: "agency@shop.example", password: PASSWORD, roles: [{ project: shopA.id, role: "editor" }, { project: shopB.id, role: "viewer" }] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("accounts and share links in Chromium", () => {
  it("logs in, switches project (each shows its own numbers), and logs out", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel("Email").fill("agency@shop.example");
    await page.getByLabel("Password", { exact: true }).fill("not the password");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByTestId("login-error").waitFor();
    expect(await page.getByTestId("login-error").innerText()).toBe("Wrong email or password.");

    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    const switcher = page.getByLabel("Project");
    await switcher.waitFor();
    // The session cookie is HttpOnly: the page's scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain("cf_session");
    expect(await switcher.inputValue()).toBe(shopA.id);
    const leads = page.locator('[data-metric="leads"]');
    await expect.poll(() => leads.innerText()).toBe("3");

    await switcher.selectOption({ label: "Shop B" });
    await expect.poll(() => leads.innerText()).toBe("5");
    await screenshot(page, "accounts-switched");
    // A reload keeps the session and the chosen project.
    await page.reload();
    await expect.poll(() => page.locator('[data-metric="leads"]').innerText()).toBe("5");

    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("button", { name: "Log in" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Log in" }).waitFor();
    await page.close();
  });

  it("opens a share link: read-only, its project, its campaign in force; a password-protected one asks first", async () => {
    const link = await post<{ url: string }>("/api/v1/shares", shopA.manageKey, { filters: { campaign: "spring" } });
    const context = await launchBrowser({ locale: "en-US", timezoneId: "UTC" });
    try {
      const page = await context.context.newPage();
      await page.goto(link.url);
      await page.getByTestId("share-banner").waitFor();
      expect(await page.getByTestId("share-banner").innerText()).toContain("spring");
      // The token leaves the address bar; the filter bar shows the link's campaign.
      expect(new URL(page.url()).pathname).toBe("/");
      expect(new URL(page.url()).searchParams.get("campaign")).toBe("spring");
      // The segment is the link's: the field shows it and cannot be edited, the channels cannot be ticked.
      const campaignField = page.getByRole("region", { name: "Filters" }).locator('input[name="campaign"]');
      expect(await campaignField.inputValue()).toBe("spring");
      expect(await campaignField.getAttribute("readonly")).not.toBeNull();
      expect(await page.locator('input[name="channel"]').first().isDisabled()).toBe(true);
      await expect.poll(() => page.locator('[data-metric="leads"]').innerText()).toBe("2");
      const nav = page.getByRole("navigation", { name: "Sections" });
      expect(await nav.getByRole("link", { name: "Settings" }).count()).toBe(0);
      expect(await nav.getByRole("link", { name: "Users" }).count()).toBe(0);
      expect(await page.getByText("Shop A").count()).toBeGreaterThan(0);
      await screenshot(page, "share-link");

      const locked = await post<{ url: string }>("/api/v1/shares", shopB.manageKey, { password: "client secret" });
      const second = await context.context.newPage();
      await second.goto(locked.url);
      await second.getByLabel("Password").fill("wrong one");
      await second.getByRole("button", { name: "Open" }).click();
      await second.getByText("Wrong password.").waitFor();
      await second.getByLabel("Password").fill("client secret");
      await second.getByRole("button", { name: "Open" }).click();
      await expect.poll(() => second.locator('[data-metric="leads"]').innerText()).toBe("5");

      const expired = await post<{ url: string }>("/api/v1/shares", shopB.manageKey, { expiresAt: new Date(Date.now() + 1000).toISOString() });
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const third = await context.context.newPage();
      await third.goto(expired.url);
      await third.getByTestId("share-failure").waitFor();
      expect(await third.getByTestId("share-failure").innerText()).toBe("This share link has expired.");
    } finally {
      await context.close();
    }
  });
});
