import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Event } from "@chatfunnel/schemas";
import { createDirectSink, createEventWriter } from "@chatfunnel/ingest";
import { type Storage } from "@chatfunnel/core";
import { classifyInsertError } from "../../core/src/storage/insert-errors.js";
import { createProject, freshDatabase, testConfig } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";

/**
 * Issue 10, defects 1, 4, 5 and 6 on the embedded path, against the real engine: one event the
 * engine cannot store never fails its neighbours, its batch, or other projects' batches in the
 * same group-commit insert; and what is stored reads back exactly as it was sent.
 */
describe("poison isolation on the embedded path (real engine)", () => {
  let storage: Storage;
  let testApp: TestApp;
  let project: Awaited<ReturnType<typeof createProject>>;

  beforeAll(async () => {
    storage = await freshDatabase();
    project = await createProject(storage);
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  const post = (body: unknown) => request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send(body as object);
  const postRaw = (bytes: Buffer, headers: Record<string, string> = {}) =>
    request(testApp.app)
      .post("/v1/events")
      .set("Authorization", `Bearer ${project.writeKey}`)
      .set(headers)
      // The bytes as they are: superagent would otherwise JSON-encode a Buffer sent as application/json.
      .serialize((body: unknown) => body as string)
      .send(bytes);

  const storedUsers = async (projectId: string, prefix: string) => {
    const result = await storage.client.query({
      query: `SELECT user_id, properties, source_campaign FROM ${storage.database}.events FINAL
              WHERE project_id = {p:String} AND startsWith(user_id, {prefix:String}) ORDER BY user_id`,
      query_params: { p: projectId, prefix },
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    return result.json<{ user_id: string; properties: Record<string, string>; source_campaign: string }>();
  };

  it("refuses a lone surrogate in any text field by name, and stores the neighbours as sent", async () => {
    const cut = "hello 😀".slice(0, 7); // a message cut in the middle of an emoji: a lone high surrogate
    const events = [
      makeEvent({ userId: "sur-ok-1", properties: { text: "hello 😀", note: "Привет \"мир\"" } }),
      makeEvent({ userId: "sur-bad-text", properties: { text: cut } }),
      makeEvent({ userId: "sur-bad-low", properties: { text: "low\udfff" } }),
      makeEvent({ userId: "sur-bad-key", properties: { ["k\ud800"]: "x" } }),
      makeEvent({ userId: "sur-bad-user\ud83d" }),
      makeEvent({ userId: "sur-bad-campaign", source: { campaign: "\udc00spring" } }),
      makeEvent({ userId: "sur-ok-2", source: { campaign: "spring 🌸" } }),
      makeEvent({ userId: "sur-bad-broadcast", type: "broadcast_sent", broadcastId: "sale\ud83d" }),
    ];
    const res = await post({ events });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(2);
    const byIndex = Object.fromEntries(res.body.rejected.map((r: { index: number; errors: { path: string; message: string }[] }) => [r.index, r.errors]));
    expect(Object.keys(byIndex).map(Number)).toEqual([1, 2, 3, 4, 5, 7]);
    expect(byIndex[1]).toEqual([{ path: "properties.text", message: expect.stringContaining("lone surrogate") }]);
    expect(byIndex[2][0].path).toBe("properties.text");
    expect(byIndex[3][0]).toEqual({ path: "properties.k\ud800", message: expect.stringContaining("lone surrogate") });
    expect(byIndex[4][0].path).toBe("userId");
    expect(byIndex[5][0].path).toBe("source.campaign");
    expect(byIndex[7][0].path).toBe("broadcastId");
    // Defect 6: nothing garbled is stored ("low\udfff" used to read back as "low���").
    expect(await storedUsers(project.projectId, "sur-")).toEqual([
      { user_id: "sur-ok-1", properties: { text: "hello 😀", note: "Привет \"мир\"" }, source_campaign: "" },
      { user_id: "sur-ok-2", properties: {}, source_campaign: "spring 🌸" },
    ]);
  });

  it("refuses the event holding bytes that are not UTF-8, keeps its neighbours, and stores no U+FFFD", async () => {
    const good = makeEvent({ userId: "utf-ok" });
    const bad = makeEvent({ userId: "utf-bad", properties: { text: "MARKER" } });
    const text = JSON.stringify({ events: [good, bad] });
    const [before, after] = text.split("MARKER") as [string, string];
    // 0xFF and a UTF-8 sequence cut after its first byte (0xE2 of "€"): both invalid in UTF-8.
    const body = Buffer.concat([Buffer.from(before), Buffer.from([0x6c, 0x6f, 0x77, 0xff, 0xe2, 0x20]), Buffer.from(after)]);
    const variants: Array<Record<string, string>> = [{ "Content-Type": "application/json" }, { "Content-Type": "application/json", "Content-Encoding": "gzip" }];
    for (const headers of variants) {
      const res = await postRaw(headers["Content-Encoding"] ? zlib.gzipSync(body) : body, headers);
      expect(res.status).toBe(200);
      expect(res.body.accepted).toBe(1);
      expect(res.body.rejected).toEqual([{ index: 1, errors: [{ path: "properties.text", message: expect.stringContaining("not UTF-8") }] }]);
    }
    expect((await storedUsers(project.projectId, "utf-")).map((row) => row.user_id)).toEqual(["utf-ok"]);
    // A stray byte outside any string is no JSON at all: 400, never stored as garbage.
    const structural = Buffer.concat([Buffer.from('{"events": [ '), Buffer.from([0xff]), Buffer.from(JSON.stringify(good)), Buffer.from("]}")]);
    const res = await postRaw(structural, { "Content-Type": "application/json" });
    expect(res.status).toBe(400);
  });

  it("refuses a __proto__ property by name instead of answering 200 and dropping it", async () => {
    for (const value of ['"x"', '{"polluted": true}', "1"]) {
      const event = JSON.stringify(makeEvent({ userId: "proto-bad" }));
      const body = `{"events": [${event.replace('"timestamp"', `"properties": {"__proto__": ${value}, "kept": "yes"}, "timestamp"`)}, ${JSON.stringify(makeEvent({ userId: "proto-ok" }))}]}`;
      const res = await postRaw(Buffer.from(body), { "Content-Type": "application/json" });
      expect(res.status).toBe(200);
      expect(res.body.accepted).toBe(1);
      expect(res.body.rejected).toEqual([{ index: 0, errors: [{ path: "properties.__proto__", message: expect.stringContaining("reserved name") }] }]);
    }
    expect((await storedUsers(project.projectId, "proto-")).map((row) => row.user_id)).toEqual(["proto-ok", "proto-ok", "proto-ok"]);
  });

  it("stores one request whose events span more months than one insert may create partitions for", async () => {
    // 150 months, all valid per the contract: the engine refuses more than 100 partitions in one
    // insert block (TOO_MANY_PARTS, code 252), which was retried as an outage and answered 503.
    const events = Array.from({ length: 150 }, (_, i) => makeEvent({ userId: `months-${String(i).padStart(3, "0")}`, timestamp: new Date(Date.UTC(2005, i, 3)).toISOString() }));
    const res = await post({ events });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: 150, rejected: [] });
    expect(await storedUsers(project.projectId, "months-")).toHaveLength(150);
  });

  it("group commit: a row the engine refuses fails only itself, not other projects' rows in the same insert", async () => {
    const other = await createProject(storage);
    // Wide wait: the three sends below meet in one insert, as concurrent bots' batches do under load.
    const writer = createEventWriter(storage, testConfig({ BATCH_MAX_WAIT_MS: "300" }));
    const sink = createDirectSink(writer, 100_000, 10_000);
    try {
      // Validation is bypassed on purpose (the sink takes events as validated): the engine itself
      // refuses the row, which is what a validator gap would look like.
      const poison: Event = makeEvent({ userId: "gc-poison", properties: { text: "cut \ud83d" } });
      const mine = [makeEvent({ userId: "gc-mine-1" }), poison, makeEvent({ userId: "gc-mine-2" })];
      const theirs = Array.from({ length: 50 }, (_, i) => makeEvent({ userId: `gc-theirs-${i}` }));
      const received = new Date();
      const [a, b, c] = await Promise.all([
        sink.send(project.projectId, mine, received),
        sink.send(other.projectId, theirs, received),
        sink.send(other.projectId, [makeEvent({ userId: "gc-theirs-last" })], received),
      ]);
      expect(a.rejected).toEqual([{ index: 1, errors: [{ path: "properties", message: expect.stringContaining("surrogate") }] }]);
      expect(b.rejected).toEqual([]);
      expect(c.rejected).toEqual([]);
      expect((await storedUsers(project.projectId, "gc-")).map((row) => row.user_id)).toEqual(["gc-mine-1", "gc-mine-2"]);
      expect(await storedUsers(other.projectId, "gc-theirs-")).toHaveLength(51);
    } finally {
      await writer.close();
    }
  });

  it("never refuses rows for a dependency failure: the send fails (503) and succeeds once storage is back", async () => {
    const writer = createEventWriter(storage, testConfig());
    const sink = createDirectSink(writer, 100_000, 10_000);
    const events = [makeEvent({ userId: "dep-1" }), makeEvent({ userId: "dep-2" })];
    await storage.client.command({ query: `RENAME TABLE ${storage.database}.events TO ${storage.database}.events_away` });
    let restored = false;
    try {
      const failed = await sink.send(project.projectId, events, new Date()).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(Error);
      expect(classifyInsertError(failed)).toBe("retry");
      await storage.client.command({ query: `RENAME TABLE ${storage.database}.events_away TO ${storage.database}.events` });
      restored = true;
      expect(await sink.send(project.projectId, events, new Date())).toEqual({ rejected: [] });
      expect(await storedUsers(project.projectId, "dep-")).toHaveLength(2);
    } finally {
      if (!restored) await storage.client.command({ query: `RENAME TABLE ${storage.database}.events_away TO ${storage.database}.events` });
      await writer.close();
    }
  });
});

/** What the engine says for bad rows and for its own troubles, and what each blames. */
describe("classifying engine errors by what they blame", () => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await freshDatabase();
  });

  it("a lone surrogate that reached the engine blames the row (it used to be retried for ever)", async () => {
    const { toEventRow } = await import("@chatfunnel/warehouse");
    const error = await storage
      .insertRows("events", [toEventRow("p", makeEvent(), Date.now()), toEventRow("p", makeEvent({ properties: { text: "hello 😀".slice(0, 7) } }), Date.now())])
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/surrogate/);
    expect(classifyInsertError(error)).toBe("rows_rejected");
    // The same words without a code (as some chDB paths hand them over) blame the rows too.
    expect(classifyInsertError(new Error((error as Error).message))).toBe("rows_rejected");
  });

  it("dependency failures are retried whatever row they mention: disk full, too many parts, memory, timeouts, network", async () => {
    const { parseError } = await import("@clickhouse/client");
    const coded = [
      "Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space: (at row 7): While executing WaitForAsyncInsert. (NOT_ENOUGH_SPACE)",
      "Code: 252. DB::Exception: Too many parts (3000) in all partitions in total. Merges are processing significantly slower than inserts. (TOO_MANY_PARTS)",
      "Code: 241. DB::Exception: Memory limit (total) exceeded: would use 3.50 GiB: (while reading the value of key properties): (at row 1). (MEMORY_LIMIT_EXCEEDED)",
      "Code: 159. DB::Exception: Timeout exceeded: elapsed 30.1 seconds. (TIMEOUT_EXCEEDED)",
      "Code: 210. DB::NetException: Connection refused (localhost:9000). (NETWORK_ERROR)",
    ];
    for (const text of coded) expect([text, classifyInsertError(parseError(text))]).toEqual([text, "retry"]);
    for (const text of ["No space left on device", "socket hang up", "connect ECONNREFUSED 127.0.0.1:8123", "Timeout error.", "something nobody foresaw"]) {
      expect([text, classifyInsertError(new Error(text))]).toEqual([text, "retry"]);
    }
  });
});
