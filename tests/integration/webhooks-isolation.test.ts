import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Event } from "@chatfunnel/schemas";
import { createDirectSink, createEventWriter } from "@chatfunnel/ingest";
import { insertWebhook, WEBHOOK_OUTBOX_BUFFER } from "@chatfunnel/warehouse";
import type { Storage } from "@chatfunnel/core";
import { createProject, freshDatabase, testConfig } from "../support/engine.js";
import { makeEvent } from "../support/events.js";

/**
 * The outbox view runs inside every events insert (migration 13): it must never make the engine refuse
 * an insert the events table alone would take (DESIGN item 13), and every stored event of a webhook's
 * types gets its delivery row in that same insert, on the writer path both the embedded default and
 * the Kafka consumer use.
 */
describe("webhook outbox inside the events insert (real engine)", () => {
  let storage: Storage;
  let project: Awaited<ReturnType<typeof createProject>>;
  let other: Awaited<ReturnType<typeof createProject>>;
  beforeAll(async () => {
    storage = await freshDatabase();
    project = await createProject(storage);
    other = await createProject(storage);
    for (const [projectId, id] of [
      [project.projectId, "wh_a"],
      [project.projectId, "wh_b"],
      [other.projectId, "wh_other"],
    ] as const) {
      await insertWebhook(storage, { projectId, id, url: "http://127.0.0.1:9/hook", events: ["lead", "message_received"], secret: "s".repeat(16), createdAt: new Date().toISOString() });
    }
  });

  const outboxOf = async (userPrefix: string) => {
    const result = await storage.client.query({
      query: `SELECT webhook_id, user_id FROM ${storage.database}.${WEBHOOK_OUTBOX_BUFFER} FINAL WHERE startsWith(user_id, {prefix:String}) ORDER BY webhook_id, user_id`,
      query_params: { prefix: userPrefix },
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    return result.json<{ webhook_id: string; user_id: string }>();
  };

  const writer = () => createEventWriter(storage, testConfig({ BATCH_MAX_WAIT_MS: "300" }));
  let open: ReturnType<typeof writer> | undefined;
  afterAll(async () => open?.close());

  it("a row the engine refuses fails only itself; its neighbours and other projects' rows get their deliveries", async () => {
    open = writer();
    const sink = createDirectSink(open, 100_000, 10_000);
    const poison: Event = makeEvent({ type: "lead", userId: "iso-poison", properties: { text: "cut \ud83d" } });
    const mine = [makeEvent({ type: "lead", userId: "iso-mine-1" }), poison, makeEvent({ type: "message_received", userId: "iso-mine-2" }), makeEvent({ type: "order", userId: "iso-mine-3" })];
    const theirs = Array.from({ length: 20 }, (_, i) => makeEvent({ type: "lead", userId: `iso-theirs-${String(i).padStart(2, "0")}` }));
    const received = new Date();
    const [a, b] = await Promise.all([sink.send(project.projectId, mine, received), sink.send(other.projectId, theirs, received)]);
    expect(a.rejected).toEqual([{ index: 1, errors: [{ path: "properties", message: expect.stringContaining("surrogate") }] }]);
    expect(b.rejected).toEqual([]);
    const rows = await outboxOf("iso-");
    // Both of the project's webhooks, each once; the order is not a chosen type; the other project's webhook only its own events.
    expect(rows.filter((r) => r.webhook_id === "wh_a").map((r) => r.user_id)).toEqual(["iso-mine-1", "iso-mine-2"]);
    expect(rows.filter((r) => r.webhook_id === "wh_b").map((r) => r.user_id)).toEqual(["iso-mine-1", "iso-mine-2"]);
    expect(rows.filter((r) => r.webhook_id === "wh_other")).toHaveLength(20);
  });

  it("stores a request spanning 150 months with its 150 deliveries (the outbox is partitioned by enqueue day, not event month)", async () => {
    open ??= writer();
    const sink = createDirectSink(open, 100_000, 10_000);
    const events = Array.from({ length: 150 }, (_, i) => makeEvent({ type: "lead", userId: `months-${String(i).padStart(3, "0")}`, timestamp: new Date(Date.UTC(2005, i, 3)).toISOString() }));
    const result = await sink.send(project.projectId, events, new Date());
    expect(result.rejected).toEqual([]);
    expect((await outboxOf("months-")).filter((r) => r.webhook_id === "wh_a")).toHaveLength(150);
  });
});
