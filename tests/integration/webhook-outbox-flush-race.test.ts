import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, type Storage } from "@chatfunnel/core";
import { WebhookScheduler } from "@chatfunnel/ingest";
import { WEBHOOK_OUTBOX_BUFFER, deliveryLog, flushOutbox, insertWebhook, outboxDeliveries, outboxSince, recordAttempts } from "@chatfunnel/warehouse";
import { freshDatabase, testConfig, waitFor } from "../support/engine.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

/**
 * A read through the outbox's Buffer takes the table's parts when it is planned and the buffered rows when it runs:
 * rows the engine flushes in between are in neither half (seen in the restart test: a retry's read of its event,
 * 1 s after the insert, came back empty and the lead was never retried). The instant cannot be timed from outside,
 * so here the real engine answers and the rows of `hidden` are taken out of every answer read through the Buffer:
 * exactly what such a read returns, with the rows in the table (flushed) as they are by then.
 */
function missingFromBufferReads(storage: Storage, hidden: ReadonlySet<string>): Storage {
  const bufferTable = `${storage.database}.${WEBHOOK_OUTBOX_BUFFER}`;
  const query: Storage["client"]["query"] = async (params) => {
    const result = await storage.client.query(params);
    if (!params.query.includes(bufferTable) || hidden.size === 0) return result;
    const rows = ((await result.json()) as Array<Record<string, unknown>>).filter((row) => !hidden.has(String(row.delivery_id)));
    return { ...result, json: async () => rows } as unknown as typeof result;
  };
  const client = new Proxy(storage.client, { get: (target, key, receiver) => (key === "query" ? query : Reflect.get(target, key, receiver)) });
  return { ...storage, client };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function withLeads(count: number, url = "http://127.0.0.1:9/hook") {
  const storage = await freshDatabase();
  await insertWebhook(storage, { projectId: "p", id: "w1", url, events: ["lead"], secret: "s".repeat(16), createdAt: new Date(Date.now() - 60_000).toISOString() });
  const eventIds = Array.from({ length: count }, () => randomUUID());
  await storage.client.command({
    query: `INSERT INTO ${storage.database}.events (project_id, event_id, type, channel, bot_id, user_id, session_id, ts, received_at)
            SELECT 'p', toUUID(arrayJoin({ids:Array(String)})), 'lead', 'telegram', 'b', 'u', '', now64(3), now64(3)`,
    query_params: { ids: eventIds },
    clickhouse_settings: storage.querySettings,
  });
  // In the table, as the rows of a flush that raced a read are by the time that read ends.
  await flushOutbox(storage);
  return { storage, eventIds };
}

describe("webhook outbox reads racing the Buffer's flush", () => {
  it("outboxSince and outboxDeliveries still return a row the read through the Buffer missed", async () => {
    const { storage } = await withLeads(3);
    const since = { atMs: Date.now() - 60_000, deliveryId: "" };
    const all = await outboxSince(storage, since, 100);
    expect(all).toHaveLength(3);
    const ids = all.map((ref) => ref.deliveryId);
    const hidden = new Set([ids[1]!]);
    const racing = missingFromBufferReads(storage, hidden);

    expect(await outboxSince(racing, since, 100)).toEqual(all);
    // A page boundary: the first two in order, the hidden one among them.
    expect(await outboxSince(racing, since, 2)).toEqual(all.slice(0, 2));
    expect((await outboxDeliveries(racing, ids)).map((d) => d.deliveryId).sort()).toEqual([...ids].sort());
    const bounded = await outboxDeliveries(racing, ids, { storedSinceMs: since.atMs, unfinishedSinceMs: since.atMs });
    expect(bounded.map((d) => d.deliveryId).sort()).toEqual([...ids].sort());
    expect(bounded.find((d) => d.deliveryId === ids[1])?.event.type).toBe("lead");

    // Finished: left out by the second read as by the first.
    const done = bounded.find((d) => d.deliveryId === ids[1])!;
    await recordAttempts(storage, [
      { projectId: "p", webhookId: "w1", deliveryId: done.deliveryId, eventId: done.event.id, eventType: "lead", enqueuedAtMs: done.enqueuedAtMs, attempt: 1, atMs: Date.now(), state: "delivered", statusCode: 200, error: "", durationMs: 5, nextAttemptAtMs: 0 },
    ]);
    const unfinished = await outboxDeliveries(racing, ids, { storedSinceMs: since.atMs, unfinishedSinceMs: since.atMs });
    expect(unfinished.map((d) => d.deliveryId).sort()).toEqual([ids[0]!, ids[2]!].sort());
  });

  it("the scheduler delivers a lead whose poll, and then whose retry, read through the Buffer missed it", { timeout: 60_000 }, async () => {
    const receiver = await new WebhookReceiver().start();
    cleanups.push(() => receiver.stop());
    const { storage, eventIds } = await withLeads(2, receiver.url);
    const [polled, retried] = eventIds as [string, string];
    const refs = await outboxSince(storage, { atMs: Date.now() - 60_000, deliveryId: "" }, 100);
    const deliveryOf = new Map((await outboxDeliveries(storage, refs.map((ref) => ref.deliveryId))).map((d) => [d.event.id, d.deliveryId]));
    const hidden = new Set([deliveryOf.get(polled)!]);
    // The second lead's first attempt fails; once it has, its retry's read of the event misses it too.
    receiver.respond = (_index, delivery) => {
      if (delivery.body.event.id !== retried || receiver.deliveriesOf(retried).length > 1) return { status: 200 };
      hidden.add(deliveryOf.get(retried)!);
      return { status: 500 };
    };
    // No sweep within the test: the poll and the retry alone must find them.
    const config = testConfig({ WEBHOOK_POLL_MS: "50", WEBHOOK_SWEEP_MS: "600000", WEBHOOK_RETRY_BASE_MS: "100", WEBHOOK_RETRY_MAX_MS: "200" });
    const scheduler = new WebhookScheduler(missingFromBufferReads(storage, hidden), config, createLogger("silent", "test"));
    cleanups.push(() => scheduler.stop());
    await scheduler.start();
    await waitFor(async () => eventIds.map((id) => receiver.deliveriesOf(id).some((d) => d.status === 200)), (got) => got.every(Boolean), 20_000, 50);
    expect(receiver.deliveriesOf(polled)).toHaveLength(1);
    expect(receiver.deliveriesOf(retried).map((d) => d.status)).toEqual([500, 200]);
  });

  it("the delivery log lists as pending a delivery not yet attempted that the read through the Buffer missed", async () => {
    const { storage } = await withLeads(2);
    const all = await deliveryLog(storage, "p", "w1", 50);
    expect(all.map((d) => d.state)).toEqual(["pending", "pending"]);
    const racing = missingFromBufferReads(storage, new Set([all[0]!.deliveryId]));
    expect(await deliveryLog(racing, "p", "w1", 50)).toEqual(all);
    expect(await deliveryLog(racing, "p", "w1", 1)).toEqual(all.slice(0, 1));
  });
});
