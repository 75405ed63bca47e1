import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, type Storage } from "@chatfunnel/core";
import { WebhookScheduler } from "@chatfunnel/ingest";
import type { Event } from "@chatfunnel/schemas";
import { createProject, freshDatabase, testConfig, waitFor } from "../support/engine.js";
import { createTestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

/**
 * The embedded default's webhook scheduler reads the outbox only after an insert stored an event some webhook
 * takes (its writer's sink tells it), not every WEBHOOK_POLL_MS: in chDB each read would wait with the events
 * inserts. These count the scheduler's outbox reads on real chDB; webhooks-wake-embedded.test.ts checks the
 * embedded wiring end to end.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The same storage, counting the reads of the webhook outbox (the scheduler's polls). */
function countingOutboxReads(storage: Storage): { storage: Storage; reads: () => number } {
  let reads = 0;
  const client = new Proxy(storage.client, {
    get(target, property, receiver) {
      if (property === "query") {
        return (params: Parameters<typeof target.query>[0]) => {
          if (/FROM\s+\S*webhook_outbox(_buffer)?\b/.test(params.query)) reads += 1;
          return target.query(params);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return { storage: { ...storage, client }, reads: () => reads };
}

const lead = () => makeEvent({ type: "lead", timestamp: new Date().toISOString(), properties: { phone: "+79990000000" } });
const message = () => makeEvent({ type: "message_received", timestamp: new Date().toISOString() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A project, the app and a scheduler on these settings (its outbox reads counted), a receiver; all stopped after the test. */
async function schedulerWithReceiver(env: Record<string, string>) {
  const base = await freshDatabase();
  const project = await createProject(base);
  const testApp = createTestApp(base, env);
  const receiver = await new WebhookReceiver().start();
  const counted = countingOutboxReads(base);
  const scheduler = new WebhookScheduler(counted.storage, testConfig(env), createLogger("silent", "test"));
  cleanups.push(async () => {
    await scheduler.stop();
    await testApp.close();
    await receiver.stop();
  });
  return { project, testApp, receiver, counted, scheduler };
}

describe("webhooks: the embedded scheduler is woken by the writer, not polling", () => {
  it("reads the outbox only after an insert of a type a webhook takes, and delivers it within a poll", async () => {
    const { project, testApp, receiver, counted, scheduler } = await schedulerWithReceiver({ WEBHOOK_POLL_MS: "50", WEBHOOK_IDLE_POLL_MS: "3000", WEBHOOK_SWEEP_MS: "600000" });
    const ingest = async (events: Event[]) => expect((await request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send({ events })).status).toBe(200);
    const created = await request(testApp.app).post("/api/v1/webhooks").set("Authorization", `Bearer ${project.manageKey}`).send({ url: receiver.url, events: ["lead"] });
    expect(created.status).toBe(201);
    scheduler.wakeOnStored();
    await scheduler.start();
    // The start reads where the outbox stands once; then, with nothing stored, no more reads.
    await waitFor(async () => counted.reads(), (n) => n >= 1, 10_000, 20);
    await sleep(300);
    const idle = counted.reads();
    await sleep(600);
    expect(counted.reads()).toBe(idle);

    // Messages no webhook takes: the sink reports them, nothing is read.
    await ingest([message(), message()]);
    scheduler.eventsStored(project.projectId, ["message_received"]);
    // Another project's lead does not wake this project's webhook either.
    scheduler.eventsStored("another_project", ["lead"]);
    await sleep(600);
    expect(counted.reads()).toBe(idle);

    // A lead: read and delivered within a poll of the report, long before the idle interval.
    const first = lead();
    await ingest([first]);
    const reported = Date.now();
    scheduler.eventsStored(project.projectId, ["lead", "message_received"]);
    await waitFor(async () => receiver.deliveriesOf(first.id).length, (n) => n === 1, 10_000, 20);
    expect(Date.now() - reported).toBeLessThan(1500);
    expect(counted.reads()).toBeGreaterThan(idle);

    // A lead nobody reported (a writer outside this process) waits for the idle safety read, then goes.
    await sleep(300);
    const quiet = counted.reads();
    const unreported = lead();
    await ingest([unreported]);
    await sleep(500);
    expect(receiver.deliveriesOf(unreported.id)).toHaveLength(0);
    expect(counted.reads()).toBe(quiet);
    await waitFor(async () => receiver.deliveriesOf(unreported.id).length, (n) => n === 1, 10_000, 50);
    expect(receiver.received).toHaveLength(2);
  });

  it("without wakes (the distributed worker) it polls every WEBHOOK_POLL_MS", async () => {
    const { project, testApp, receiver, counted, scheduler } = await schedulerWithReceiver({ WEBHOOK_POLL_MS: "50", WEBHOOK_IDLE_POLL_MS: "600000" });
    expect((await request(testApp.app).post("/api/v1/webhooks").set("Authorization", `Bearer ${project.manageKey}`).send({ url: receiver.url, events: ["lead"] })).status).toBe(201);
    await scheduler.start();
    await waitFor(async () => counted.reads(), (n) => n >= 1, 10_000, 20);
    const before = counted.reads();
    await sleep(1000);
    expect(counted.reads()).toBeGreaterThanOrEqual(before + 4);
    const unreported = lead();
    expect((await request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send({ events: [unreported] })).status).toBe(200);
    await waitFor(async () => receiver.deliveriesOf(unreported.id).length, (n) => n === 1, 10_000, 20);
  });
});
