import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Storage } from "@chatfunnel/core";
import { WEBHOOK_OUTBOX_BUFFER, WEBHOOK_TABLES, deleteWebhook, flushOutbox, insertWebhook, newestOutboxEnqueueMs, rederiveOutbox } from "@chatfunnel/warehouse";
import { freshDatabase } from "../support/engine.js";

/**
 * The outbox is written through a Buffer (migration 26) that a crash empties; rederiveOutbox writes the lost rows
 * again from the stored events. On the real engine: exactly the deliveries the outbox lacks, none it holds (at any
 * enqueue time), none of events received before their webhook was made, none outside the window of parts.
 */
describe("webhook outbox re-derived from stored events", () => {
  const rows = async (storage: Storage, sql: string, params: Record<string, unknown> = {}) =>
    (await storage.client.query({ query: sql, query_params: params, format: "JSONEachRow", clickhouse_settings: storage.querySettings })).json<Record<string, string>>();
  const insertLeads = (storage: Storage, ids: string[], receivedAt: string) =>
    storage.client.command({
      query: `INSERT INTO ${storage.database}.events (project_id, event_id, type, channel, bot_id, user_id, session_id, ts, received_at)
              SELECT 'p', toUUID(arrayJoin({ids:Array(String)})), 'lead', 'telegram', 'b', 'u', '', now64(3), ${receivedAt}`,
      query_params: { ids },
      clickhouse_settings: storage.querySettings,
    });
  const outboxEvents = async (storage: Storage) =>
    (await rows(storage, `SELECT toString(event_id) AS id FROM ${storage.database}.${WEBHOOK_OUTBOX_BUFFER} ORDER BY id`)).map((row) => row.id);

  it("writes only the deliveries the outbox lacks, once", async () => {
    const storage = await freshDatabase();
    const db = storage.database;
    const createdAt = new Date(Date.now() - 60_000).toISOString();
    await insertWebhook(storage, { projectId: "p", id: "w1", url: "http://127.0.0.1:9/hook", events: ["lead"], secret: "s".repeat(16), createdAt });
    const [kept, lost, early] = [randomUUID(), randomUUID(), randomUUID()];
    await insertLeads(storage, [kept, lost], "now64(3)");
    // Received an hour before the webhook existed (a late insert): the view queued it, a re-derivation does not.
    await insertLeads(storage, [early], "now64(3) - INTERVAL 1 HOUR");
    await flushOutbox(storage);
    expect(await outboxEvents(storage)).toEqual([kept, lost, early].sort());
    // The rows a crash took with the Buffer (here: deleted, as they were never flushed).
    await storage.client.command({ query: `ALTER TABLE ${db}.${WEBHOOK_TABLES.outbox} DELETE WHERE event_id IN (toUUID({lost:String}), toUUID({early:String})) SETTINGS mutations_sync = 1`, query_params: { lost, early } });
    const newest = await newestOutboxEnqueueMs(storage);
    expect(Math.abs(newest - Date.now())).toBeLessThan(60_000);

    const now = Date.now();
    const window = { modifiedFromMs: now - 60_000, modifiedToMs: now + 1_000, receivedSinceMs: now - 2 * 86_400_000 };
    // A window after the parts were written finds nothing.
    expect(await rederiveOutbox(storage, { ...window, modifiedFromMs: now + 10_000, modifiedToMs: now + 20_000 })).toBe(0);
    expect(await rederiveOutbox(storage, window)).toBe(1);
    expect(await outboxEvents(storage)).toEqual([kept, lost].sort());
    // The same delivery id the view gave it, so a receiver dedups a copy of it.
    const ids = await rows(storage, `SELECT delivery_id, toString(event_id) AS id FROM ${db}.${WEBHOOK_OUTBOX_BUFFER} WHERE event_id = toUUID({lost:String})`, { lost });
    const [expected] = await rows(storage, `SELECT lower(hex(sipHash128('w1', {lost:String}))) AS delivery_id`, { lost });
    expect(ids.map((row) => row.delivery_id)).toEqual([expected!.delivery_id]);
    // Run again (the next sweep overlaps this one): the outbox holds them all now, nothing is written twice.
    expect(await rederiveOutbox(storage, window)).toBe(0);
    // Merged into one part written now: still nothing, whatever their enqueue times.
    await storage.client.command({ query: `OPTIMIZE TABLE ${db}.events FINAL` });
    expect(await rederiveOutbox(storage, { ...window, modifiedToMs: Date.now() + 1_000 })).toBe(0);
    // A deleted webhook's lost rows stay lost: its deliveries are not sent anyway.
    await storage.client.command({ query: `ALTER TABLE ${db}.${WEBHOOK_TABLES.outbox} DELETE WHERE event_id = toUUID({lost:String}) SETTINGS mutations_sync = 1`, query_params: { lost } });
    expect(await deleteWebhook(storage, "p", "w1")).toBe(true);
    expect(await rederiveOutbox(storage, { ...window, modifiedToMs: Date.now() + 1_000 })).toBe(0);
    expect(await outboxEvents(storage)).toEqual([kept]);
  });
});
