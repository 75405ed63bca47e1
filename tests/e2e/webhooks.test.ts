import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type EventInput } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { verifyWebhookSignature } from "@chatfunnel/ingest";
import { ensureDashboardBuilt, launchBrowser, screenshot, type BrowserSession } from "../support/browser.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

/**
 * A marketer connecting the CRM, in real Chromium against the embedded default: create a webhook on the
 * Webhooks page (a bad URL is refused beside its field), send a test and read the receiver's answer, see a
 * lead arrive signed with the secret the page showed, its delivery in the log, and delete the webhook.
 */
let server: EmbeddedServer;
let browser: BrowserSession;
let dataDir: string;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  ensureDashboardBuilt();
  await receiver.start();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-e2e-webhooks-"));
  server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5", WEBHOOK_POLL_MS: "100" }));
  browser = await launchBrowser({ locale: "en-US", timezoneId: "UTC" });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await receiver.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("webhooks page in Chromium on the embedded default", () => {
  it("creates, tests, lists with the last delivery, shows the log and deletes a webhook", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/webhooks#key=${server.keys.manageKey}`);
    const form = page.getByRole("form", { name: "New webhook" });
    await form.waitFor();
    await page.getByText("No webhooks yet.").waitFor();

    // Not http(s): the API's 400 shows beside the URL field.
    await form.getByLabel("URL", { exact: true }).fill("ftp://crm.example.com/hook");
    await form.getByRole("button", { name: "Create webhook" }).click();
    const url = form.getByLabel("URL", { exact: true });
    await expect.poll(() => url.getAttribute("aria-invalid")).toBe("true");
    expect(await form.locator('[data-field="url"] .field-error').innerText()).toContain("http");

    await url.fill(receiver.url);
    await form.getByLabel("Event types").fill("lead, order");
    await form.getByRole("button", { name: "Create webhook" }).click();
    const secret = await page.getByTestId("created-secret").innerText();
    expect(secret).toMatch(/^whsec_/);
    const row = page.locator("[data-testid=webhooks-table] tbody tr").first();
    await row.waitFor();
    expect(await row.locator('[data-field="status"]').innerText()).toBe("Active");
    expect(await row.innerText()).toContain("lead, order");
    await screenshot(page, "webhooks-created");

    // Test: the receiver's answer on the page, a signed sample at the receiver.
    receiver.respond = () => ({ status: 200, body: "ok" });
    await row.getByRole("button", { name: `Send a test event to ${receiver.url}` }).click();
    await expect.poll(() => row.getByTestId("test-result").innerText(), { timeout: 10_000 }).toMatch(/^Receiver answered HTTP 200 in \d+ ms$/);
    expect(receiver.received).toHaveLength(1);
    expect(verifyWebhookSignature(secret, receiver.received[0]!.raw, receiver.received[0]!.headers["x-chatfunnel-signature"] as string)).toBe(true);

    // A lead from the bot reaches the CRM and shows as the last delivery and in the log.
    const lead: EventInput = { id: randomUUID(), type: "lead", channel: "telegram", botId: "shop_bot", userId: "42", timestamp: new Date().toISOString(), properties: { phone: "+79990001122" } };
    const posted = await fetch(`${server.url}/v1/events`, { method: "POST", headers: { Authorization: `Bearer ${server.keys.writeKey}`, "Content-Type": "application/json" }, body: JSON.stringify({ events: [lead] }) });
    expect(posted.status).toBe(200);
    await expect.poll(() => receiver.deliveriesOf(lead.id).length, { timeout: 15_000 }).toBe(1);
    await expect.poll(() => row.locator('[data-field="last-delivery"]').innerText(), { timeout: 15_000 }).toMatch(/^Delivered \(HTTP 200\)/);
    await row.getByRole("button", { name: "Delivery log" }).click();
    const delivery = page.locator(`[data-testid=deliveries-table] tr[data-delivery-id="${receiver.deliveriesOf(lead.id)[0]!.body.deliveryId}"]`);
    await delivery.waitFor({ timeout: 10_000 });
    expect(await delivery.getAttribute("data-state")).toBe("delivered");
    expect(await delivery.innerText()).toContain(lead.id);
    await screenshot(page, "webhooks-log");

    await row.getByRole("button", { name: `Delete the webhook to ${receiver.url}` }).click();
    await page.getByRole("button", { name: "Yes, delete" }).click();
    await page.getByText("No webhooks yet.").waitFor({ timeout: 10_000 });
    await page.close();
  });
});
