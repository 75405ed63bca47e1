import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "@chatfunnel/schemas";
import { startEmbedded } from "@chatfunnel/server";
import { waitFor } from "../support/engine.js";
import { makeEvent } from "../support/events.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

/**
 * The embedded default wires its collector's sink to the in-process webhook scheduler: with the idle safety read
 * ten minutes away, only that wake can bring a lead to the receiver within seconds (its own file: one chDB
 * directory per process).
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const lead = () => makeEvent({ type: "lead", timestamp: new Date().toISOString(), properties: { phone: "+79990000000" } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("webhooks: the embedded default wakes its scheduler from the writer", () => {
  it("embedded: a lead through /v1/events wakes the in-process scheduler (idle reads 10 min apart)", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-webhooks-wake-"));
    const receiver = await new WebhookReceiver().start();
    const server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5", WEBHOOK_POLL_MS: "50", WEBHOOK_IDLE_POLL_MS: "600000" }), path.join(dataDir, "no-dashboard"));
    cleanups.push(async () => {
      await server.close();
      await receiver.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const created = await fetch(`${server.url}/api/v1/webhooks`, { method: "POST", headers: { Authorization: `Bearer ${server.keys.manageKey}`, "Content-Type": "application/json" }, body: JSON.stringify({ url: receiver.url, events: ["lead"] }) });
    expect(created.status).toBe(201);
    // Past the start's first read and the webhook list's refresh (every 2 s), so only a wake can bring the next read.
    await sleep(2500);
    for (let i = 0; i < 3; i++) {
      const event = lead();
      const stored = await fetch(`${server.url}/v1/events`, { method: "POST", headers: { Authorization: `Bearer ${server.keys.writeKey}`, "Content-Type": "application/json" }, body: JSON.stringify({ events: [event] }) });
      expect(stored.status).toBe(200);
      const at = Date.now();
      await waitFor(async () => receiver.deliveriesOf(event.id).length, (n) => n === 1, 10_000, 20);
      expect(Date.now() - at).toBeLessThan(3000);
    }
  });
});
