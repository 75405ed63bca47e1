import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { Event } from "@chatfunnel/schemas";
import { startEmbeddedProcess, type EmbeddedProcess } from "../support/embedded-process.js";
import { makeEvent } from "../support/events.js";
import { waitFor } from "../support/engine.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

const WRITE_KEY = `cf_w_${randomUUID().replaceAll("-", "")}`;
const READ_KEY = `cf_r_${randomUUID().replaceAll("-", "")}`;
/** Creating a webhook is an editor action: the manage key. */
const MANAGE_KEY = `cf_m_${randomUUID().replaceAll("-", "")}`;
const ENV = { CHATFUNNEL_WRITE_KEY: WRITE_KEY, CHATFUNNEL_READ_KEY: READ_KEY, CHATFUNNEL_MANAGE_KEY: MANAGE_KEY, WEBHOOK_RETRY_BASE_MS: "300", WEBHOOK_RETRY_MAX_MS: "600", WEBHOOK_POLL_MS: "50" };

/**
 * The product SIGKILLed while deliveries are being retried, and while acknowledged leads have not been
 * attempted at all: after a restart on the same DATA_DIR every lead reaches the receiver, with the same
 * deliveryId, its attempts counted on from where the log left them.
 */
describe("webhooks across a restart of the embedded process", () => {
  const dataDir = fs.mkdtempSync(path.join(process.env.CHATFUNNEL_TEST_ROOT ?? os.tmpdir(), "webhooks-restart-"));
  let running: EmbeddedProcess | undefined;
  const receiver = new WebhookReceiver();
  afterAll(async () => {
    await running?.stop();
    await receiver.stop();
  });

  const post = (url: string, route: string, key: string, body: object) =>
    fetch(`${url}${route}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const lead = (): Event => makeEvent({ type: "lead", timestamp: new Date().toISOString(), userId: randomUUID() });

  it("delivers every acknowledged lead after a SIGKILL mid-retry", { timeout: 180_000 }, async () => {
    await receiver.start();
    let healthy = false;
    receiver.respond = () => ({ status: healthy ? 200 : 500 });
    running = await startEmbeddedProcess({ DATA_DIR: dataDir, ...ENV });
    const created = await post(running.url, "/api/v1/webhooks", MANAGE_KEY, { url: receiver.url, events: ["lead"] });
    expect(created.status).toBe(201);
    const webhook = (await created.json()) as { id: string };

    const retried = Array.from({ length: 5 }, lead);
    expect((await post(running.url, "/v1/events", WRITE_KEY, { events: retried })).status).toBe(200);
    // Mid-retry: each lead has failed at least twice, and the scheduler has written those attempts (it does
    // every 2 s) before the kill.
    await waitFor(async () => retried.map((e) => receiver.deliveriesOf(e.id).length), (counts) => counts.every((n) => n >= 2), 30_000, 50);
    const recordedAtLeast = new Map(retried.map((e) => [e.id, receiver.deliveriesOf(e.id).length]));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    // Acknowledged while the CRM is down, killed before any attempt can succeed.
    await receiver.stop();
    const unattempted = Array.from({ length: 5 }, lead);
    expect((await post(running.url, "/v1/events", WRITE_KEY, { events: unattempted })).status).toBe(200);
    running.child.kill("SIGKILL");
    await new Promise<void>((resolve) => (running!.child.exitCode !== null || running!.child.signalCode !== null ? resolve() : running!.child.once("exit", () => resolve())));
    const idsBefore = new Map(retried.map((e) => [e.id, receiver.deliveriesOf(e.id)[0]!.body.deliveryId]));

    healthy = true;
    await receiver.start();
    running = await startEmbeddedProcess({ DATA_DIR: dataDir, ...ENV });
    const all = [...retried, ...unattempted];
    await waitFor(async () => all.filter((e) => receiver.deliveriesOf(e.id).some((d) => d.status === 200)).length, (n) => n === all.length, 60_000, 100);
    for (const event of retried) {
      const copies = receiver.deliveriesOf(event.id);
      expect(new Set(copies.map((d) => d.body.deliveryId))).toEqual(new Set([idsBefore.get(event.id)]));
      // Resumed from the stored attempts, not from the first: the delivered attempt counts on past those
      // recorded before the kill (attempts of its last second may be made again: at least once).
      const delivered = Number(copies.find((d) => d.status === 200)!.headers["x-chatfunnel-attempt"]);
      expect(delivered).toBeGreaterThan(recordedAtLeast.get(event.id)!);
    }
    const log = await waitFor(
      async () => {
        const res = await fetch(`${running!.url}/api/v1/webhooks/${webhook.id}/deliveries`, { headers: { authorization: `Bearer ${READ_KEY}` } });
        return ((await res.json()) as { deliveries: Array<{ eventId: string; state: string }> }).deliveries;
      },
      (d) => d.filter((x) => x.state === "delivered").length === all.length,
    );
    expect(new Set(log.map((d) => d.eventId))).toEqual(new Set(all.map((e) => e.id)));
    expect(await running.stop()).toBe(0);
    running = undefined;

  });
});
