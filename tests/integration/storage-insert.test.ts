import { beforeAll, describe, expect, it } from "vitest";
import { ClickHouseError } from "@clickhouse/client";
import { toEventRow, toSpendRow } from "@chatfunnel/warehouse";
import { type Storage } from "@chatfunnel/core";
import { classifyInsertError } from "../../core/src/storage/insert-errors.js";
import { freshDatabase } from "../support/engine.js";
import { makeEvent } from "../support/events.js";

/**
 * storage.insertRows is the one write path (chDB's raw insert in the embedded default). Callers
 * decide between retrying and dead-lettering from the error's code, so the codes must survive it.
 */
describe("storage.insertRows on the real engine", () => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await freshDatabase();
  });

  const count = async (table: string) => {
    const result = await storage.client.query({ query: `SELECT count() AS n FROM ${storage.database}.${table}`, format: "JSONEachRow", clickhouse_settings: storage.querySettings });
    return Number((await result.json<{ n: number }>())[0]?.n);
  };

  it("stores every row, text with quotes, newlines and non-Latin letters intact", async () => {
    const tricky = 'Привет "мир"\nвторая строка \\ 👋';
    const events = [makeEvent({ userId: "writer-1" }), makeEvent({ userId: "writer-2", properties: { note: tricky } })];
    await storage.insertRows("events", events.map((event) => toEventRow("p", event, Date.now())));
    const result = await storage.client.query({
      query: `SELECT properties['note'] AS note FROM ${storage.database}.events WHERE user_id = 'writer-2'`,
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    expect(await result.json()).toEqual([{ note: tricky }]);
    expect(await count("events")).toBe(2);
  });

  it("stores the broadcast an event belongs to (migration 6)", async () => {
    const event = makeEvent({ userId: "writer-3", type: "broadcast_delivered", broadcastId: "friday-sale" });
    await storage.insertRows("events", [toEventRow("p", event, Date.now())]);
    const result = await storage.client.query({
      query: `SELECT broadcast_id FROM ${storage.database}.events WHERE user_id = 'writer-3'`,
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    expect(await result.json()).toEqual([{ broadcast_id: "friday-sale" }]);
  });

  it("does nothing for no rows", async () => {
    const before = await count("events");
    await storage.insertRows("events", []);
    expect(await count("events")).toBe(before);
  });

  it("refuses a row the engine cannot parse with its code, as a row error, and stores none of the insert", async () => {
    const good = toSpendRow("p", { date: "2026-05-01", channel: "vk", amount: 10, currency: "RUB" }, new Date());
    const error = await storage.insertRows("spend", [good, { ...good, amount: "ten" }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClickHouseError);
    expect((error as ClickHouseError).message).toMatch(/amount/);
    expect(classifyInsertError(error)).toBe("rows_rejected");
    expect(await count("spend")).toBe(0);
  });

  it("reports an engine-side failure (a missing table) as retryable", async () => {
    const error = await storage.insertRows("no_such_table", [{ a: 1 }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClickHouseError);
    expect(classifyInsertError(error)).toBe("retry");
  });

  it("writes into the database of the storage it is called on", async () => {
    const other = await freshDatabase();
    await other.insertRows("events", [toEventRow("p", makeEvent({ userId: "elsewhere" }), Date.now())]);
    const result = await storage.client.query({
      query: `SELECT count() AS n FROM ${other.database}.events`,
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    expect(Number((await result.json<{ n: number }>())[0]?.n)).toBe(1);
    expect(await count("events")).toBe(3);
  });
});
