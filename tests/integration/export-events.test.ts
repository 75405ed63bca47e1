import http from "node:http";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { EXPORT_CSV_COLUMNS, type Event, type ExplorerEvent } from "@chatfunnel/schemas";
import { propertyText } from "@chatfunnel/warehouse";
import { createProject, freshDatabase, waitFor } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { ANCHORS, eventStreamArb } from "../support/random-events.js";
import { parseCsv } from "../support/csv-parse.js";
import { exportEvents, exportWindows } from "../../api/src/metrics/export-events.js";

const ANCHOR = ANCHORS[4].ms;
const RANGE = `from=${new Date(ANCHOR - 3 * 86_400_000).toISOString()}&to=${new Date(ANCHOR + 3 * 86_400_000).toISOString()}`;

/** Texts that need quoting, look like formulas, or are not ASCII: each field of an event may carry one. */
const HOSTILE = ["=1+2", "+7 999", "-100123", "-rm", "@home", 'say "hi", then\nbye', "Привет, мир", "a/b\\c", "\ttab"];

/** The random streams (resends included) with properties, source fields and broadcast ids of every kind. */
const streamArb = eventStreamArb(ANCHOR, { maxEvents: 30 }).chain((events) =>
  fc
    .tuple(
      ...events.map(() =>
        fc.record({
          text: fc.option(fc.constantFrom(...HOSTILE), { nil: undefined }),
          number: fc.option(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })), { nil: undefined }),
          flag: fc.option(fc.boolean(), { nil: undefined }),
          source: fc.option(fc.constantFrom(...HOSTILE), { nil: undefined }),
          broadcast: fc.option(fc.constantFrom("b-1", "=b2"), { nil: undefined }),
        }),
      ),
    )
    .map((extras) => {
      // A resend is a copy of its original: decorate by id so both copies carry the same fields.
      const byId = new Map<string, Event>();
      return events.map((event, index) => {
        const known = byId.get(event.id);
        if (known) return { ...known };
        const extra = extras[index]!;
        const decorated: Event = { ...event };
        const properties: Record<string, string | number | boolean | null> = {};
        if (extra.text !== undefined) properties.text = extra.text;
        if (extra.number !== undefined) properties.amount = extra.number;
        if (extra.flag !== undefined) properties.flag = extra.flag;
        if (extra.flag === false) properties.nothing = null;
        if (Object.keys(properties).length > 0) decorated.properties = properties;
        if (extra.source !== undefined) decorated.source = { ...event.source, source: extra.source, payload: "p,1", term: extra.source };
        if (extra.broadcast !== undefined) decorated.broadcastId = extra.broadcast;
        byId.set(event.id, decorated);
        return decorated;
      });
    }),
);

/** What the export must show of an ingested event: the explorer's shape, receivedAt aside. */
function expectedShape(event: Event): Omit<ExplorerEvent, "receivedAt"> {
  const shown: Omit<ExplorerEvent, "receivedAt"> = { id: event.id.toLowerCase(), type: event.type, channel: event.channel, botId: event.botId, userId: event.userId, timestamp: new Date(event.timestamp).toISOString() };
  if (event.sessionId) shown.sessionId = event.sessionId;
  if (event.broadcastId) shown.broadcastId = event.broadcastId;
  const source = Object.fromEntries(Object.entries(event.source ?? {}).filter(([, value]) => value !== undefined && value !== ""));
  if (Object.keys(source).length > 0) shown.source = source;
  if (event.currency) {
    shown.revenue = event.revenue ?? 0;
    shown.currency = event.currency;
  }
  if (event.properties && Object.keys(event.properties).length > 0) shown.properties = Object.fromEntries(Object.entries(event.properties).map(([key, value]) => [key, propertyText(value)]));
  return shown;
}

/** A CSV row read back into the event shape: empty cells are fields stored empty, a formula guard removed. */
function fromCsvRow(header: string[], row: string[]): ExplorerEvent {
  const cell = (name: string) => {
    const text = row[header.indexOf(name)] ?? "";
    return text.startsWith("'") && /^[=+@\t\r-]/.test(text.slice(1)) ? text.slice(1) : text;
  };
  const event: ExplorerEvent = { id: cell("id"), type: cell("type"), channel: cell("channel") as ExplorerEvent["channel"], botId: cell("botId"), userId: cell("userId"), timestamp: cell("timestamp"), receivedAt: cell("receivedAt") };
  if (cell("sessionId")) event.sessionId = cell("sessionId");
  if (cell("broadcastId")) event.broadcastId = cell("broadcastId");
  const source: Record<string, string> = {};
  for (const field of ["source", "medium", "campaign", "content", "term", "payload"]) if (cell(`source.${field}`)) source[field] = cell(`source.${field}`);
  if (Object.keys(source).length > 0) event.source = source;
  if (cell("currency")) {
    event.revenue = Number(cell("revenue"));
    event.currency = cell("currency");
  }
  if (cell("properties")) event.properties = JSON.parse(cell("properties")) as Record<string, string>;
  // Key order as the explorer's answer has it, so toEqual compares values only.
  return event;
}

// A collection before each reading, so the readings are what the process holds, not garbage not yet collected.
v8.setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;

/** What this process holds after a collection: the JS heap and the buffers outside it (where streamed bytes would pile up). */
const memory = () => {
  collect();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};

const withoutReceivedAt = ({ receivedAt: _receivedAt, ...rest }: ExplorerEvent) => rest;
const byId = <T extends { id: string }>(events: T[]) => [...events].sort((a, b) => a.id.localeCompare(b.id));

describe("GET /api/v1/export/events", () => {
  let storage: Storage;
  let testApp: TestApp;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  const get = (path: string, key: string) => request(testApp.app).get(`/api/v1/${path}`).set("Authorization", `Bearer ${key}`);

  it("NDJSON and CSV hold exactly the ingested events, a resend once, by timestamp then id, as the explorer shows them", async () => {
    await fc.assert(
      fc.asyncProperty(streamArb, async (events) => {
        const project = await createProject(storage);
        // Two requests, so a resend can sit in another part than its original.
        const half = Math.ceil(events.length / 2);
        for (const batch of [events.slice(0, half), events.slice(half)]) {
          if (batch.length === 0) continue;
          const sent = await request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send({ events: batch });
          expect(sent.body.rejected).toEqual([]);
        }
        const inRange = (event: Event) => Date.parse(event.timestamp) >= ANCHOR - 3 * 86_400_000 && Date.parse(event.timestamp) < ANCHOR + 3 * 86_400_000;
        const unique = [...new Map(events.filter(inRange).map((event) => [event.id, event])).values()];

        const ndjson = await get(`export/events?${RANGE}`, project.readKey);
        expect(ndjson.status).toBe(200);
        expect(ndjson.headers["content-type"]).toBe("application/x-ndjson; charset=utf-8");
        expect(ndjson.headers["content-disposition"]).toBe("attachment; filename=events.ndjson");
        const text = ndjson.text;
        expect(text === "" || text.endsWith("\n")).toBe(true);
        const lines = text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as ExplorerEvent);
        expect(byId(lines.map(withoutReceivedAt))).toEqual(byId(unique.map(expectedShape)));
        for (const line of lines) expect(new Date(line.receivedAt).toISOString()).toBe(line.receivedAt);

        // The explorer's order reversed: timestamp, then id, in the engine's order of ids.
        const explorer = await get(`events?${RANGE}&limit=1000`, project.readKey);
        // (Which copy of a resend shows, and so its receivedAt, is the engine's pick in both.)
        expect(lines.map(withoutReceivedAt)).toEqual([...(explorer.body.events as ExplorerEvent[])].reverse().map(withoutReceivedAt));

        const csv = await get(`export/events?${RANGE}&format=csv`, project.readKey);
        expect(csv.status).toBe(200);
        expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
        const [header, ...rows] = parseCsv(csv.text);
        expect(header).toEqual([...EXPORT_CSV_COLUMNS]);
        const csvEvents = rows.map((row) => fromCsvRow(header!, row));
        expect(csvEvents.map(withoutReceivedAt)).toEqual(lines.map(withoutReceivedAt));
        for (const event of csvEvents) expect(new Date(event.receivedAt).toISOString()).toBe(event.receivedAt);
        // No cell a spreadsheet would run: every hostile text is guarded.
        for (const row of rows) for (const value of row) expect(/^[=+@\t]/.test(value) || (/^-/.test(value) && !/^-[0-9]+(\.[0-9]+)?$/.test(value))).toBe(false);
      }),
      { numRuns: 6 },
    );
  }, 240_000);

  it("filters by channel and bot, and never shows another project's events", async () => {
    const mine = await createProject(storage);
    const other = await createProject(storage);
    const event = (id: number, channel: Event["channel"], botId: string): Event => ({ id: `00000000-0000-4000-8000-00000000000${id}`, type: "lead", channel, botId, userId: "u1", timestamp: new Date(ANCHOR + id * 1000).toISOString() });
    await request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${mine.writeKey}`).send({ events: [event(1, "telegram", "a"), event(2, "vk", "a"), event(3, "telegram", "b")] });
    await request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${other.writeKey}`).send({ events: [event(4, "telegram", "a")] });
    const ids = async (query: string, key = mine.readKey) =>
      (await get(`export/events?${RANGE}${query}`, key)).text
        .split("\n")
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as ExplorerEvent).id.slice(-1));
    expect(await ids("")).toEqual(["1", "2", "3"]);
    expect(await ids("&channel=telegram")).toEqual(["1", "3"]);
    expect(await ids("&botId=a&channel=telegram")).toEqual(["1"]);
    expect(await ids("", other.readKey)).toEqual(["4"]);
    // An empty export is empty NDJSON, or the CSV header alone.
    expect((await get(`export/events?from=2001-01-01&to=2001-01-02`, mine.readKey)).text).toBe("");
    expect((await get(`export/events?from=2001-01-01&to=2001-01-02&format=csv`, mine.readKey)).text).toBe(`${EXPORT_CSV_COLUMNS.join(",")}\r\n`);
  });

  it("cut into windows of a few events, the export is the same bytes as in one window", async () => {
    const project = await createProject(storage);
    // 60 events over 30 hours, two to an instant now and then, and every fifth one resent.
    const originals: Event[] = Array.from({ length: 60 }, (_, index) => ({
      id: `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
      type: index % 3 === 0 ? "lead" : "message_received",
      channel: "telegram",
      botId: "bot",
      userId: `u${index % 7}`,
      timestamp: new Date(ANCHOR + Math.floor(index / 2) * 3_600_000).toISOString(),
      properties: { text: HOSTILE[index % HOSTILE.length]! },
    }));
    const spread = [...originals, ...originals.filter((_, index) => index % 5 === 0)];
    const sent = await request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send({ events: spread });
    expect(sent.body.rejected).toEqual([]);
    const filters = { projectId: project.projectId, fromMs: ANCHOR - 3 * 86_400_000, toMs: ANCHOR + 5 * 86_400_000, tz: "UTC", channels: undefined, botId: undefined, campaign: undefined, currency: undefined };
    expect((await exportWindows(storage, filters, 3)).length).toBeGreaterThan(5);
    for (const format of ["ndjson", "csv"] as const) {
      const read = async (windowRows: number) => {
        const parts: Buffer[] = [];
        for await (const part of exportEvents(storage, filters, format, undefined, windowRows)) parts.push(part);
        return Buffer.concat(parts).toString("utf8");
      };
      const whole = await read(1_000_000);
      expect(whole.length).toBeGreaterThan(1000);
      // Which copy of a resend shows is the engine's pick: compare without receivedAt.
      const strip = (text: string) => text.replace(/"receivedAt":"[^"]*"|,[0-9T:.Z-]{24}\r\n/g, "");
      expect(strip(await read(3))).toBe(strip(whole));
    }
  });

  it.each([
    ["from=2026-05-01", "to"],
    ["to=2026-05-01", "from"],
    ["from=2026-05-02&to=2026-05-01", "to"],
    ["from=2026-05-01&to=2026-05-02&format=xml", "format"],
    ["from=2026-05-01&to=2026-05-02&format=json", "format"],
    ["from=2026-05-01&to=2026-05-02&channel=icq", "channel"],
    ["from=2026-05-01&to=2026-05-02&tz=Mars/Olympus", "tz"],
  ])("answers 400 naming the bad parameter: %s", async (query, parameter) => {
    const project = await createProject(storage);
    const res = await get(`export/events?${query}`, project.readKey);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(`'${parameter}'`);
  });

  it("refuses without a read key", async () => {
    const project = await createProject(storage);
    expect((await request(testApp.app).get(`/api/v1/export/events?${RANGE}`)).status).toBe(401);
    expect((await get(`export/events?${RANGE}`, project.writeKey)).status).toBe(401);
  });
});

describe("a large export", () => {
  let storage: Storage;
  let server: http.Server;
  let url: string;
  let readKey: string;
  const EVENTS = 500_000;
  const streamEnds: string[] = [];

  beforeAll(async () => {
    storage = await freshDatabase();
    const project = await createProject(storage);
    readKey = project.readKey;
    // Made in the engine: the export reads the events table, however the rows got there.
    await storage.client.command({
      query: `INSERT INTO ${storage.database}.events (project_id, event_id, type, channel, bot_id, user_id, session_id, ts, properties, received_at)
        SELECT {projectId:String}, generateUUIDv4(number), 'message_received', 'telegram', 'bot', toString(number % 5000), '',
          toDateTime64(1778544000 + intDiv(number, 10), 3, 'UTC'), map('text', repeat('x', 100 + number % 50)), now64(3)
        FROM numbers({events:UInt64})`,
      query_params: { projectId: project.projectId, events: EVENTS },
    });
    // The app's storage, with a count of how each export stream ended: read to its end, or broken off.
    const tracked: Storage = {
      ...storage,
      streamQuery: (query) =>
        (async function* () {
          let ended = false;
          try {
            for await (const chunk of storage.streamQuery(query)) yield chunk;
            ended = true;
          } finally {
            streamEnds.push(ended ? "end" : "broken off");
          }
        })(),
    };
    const app = createTestApp(tracked).app;
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/export/events?from=2026-05-01&to=2026-06-01`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** The export queries the engine is running now (its own list of every session's queries). */
  const exportQueriesRunning = async () => {
    const result = await storage.client.query({
      query: "SELECT count() AS n FROM system.processes WHERE query LIKE '%LIMIT 1 BY ts, event_id%' AND query NOT LIKE '%system.processes%'",
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    return Number(((await result.json()) as Array<{ n: number }>)[0]?.n);
  };

  const open = (signal?: AbortSignal) => fetch(url, { headers: { Authorization: `Bearer ${readKey}` }, ...(signal ? { signal } : {}) });

  it("streams every event while the heap stays flat (a loose guard; bench/export.bench.ts measures)", async () => {
    const heapBefore = memory();
    const readings: number[] = [];
    const res = await open();
    expect(res.status).toBe(200);
    let lines = 0;
    let bytes = 0;
    let reads = 0;
    const decoder = res.body!.getReader();
    for (;;) {
      const { done, value } = await decoder.read();
      if (done) break;
      bytes += value.length;
      for (let i = value.indexOf(10); i !== -1; i = value.indexOf(10, i + 1)) lines++;
      if (++reads % 100 === 0) readings.push(memory() - heapBefore);
    }
    expect(lines).toBe(EVENTS);
    // ~170 MB of NDJSON passed through this process: what it holds stays a few blocks of a few MiB each.
    expect(bytes).toBeGreaterThan(150_000_000);
    expect(readings.length).toBeGreaterThan(10);
    expect(Math.max(...readings)).toBeLessThan(64 * 2 ** 20);
  });

  it("a client that stops reading holds the query back, and one that leaves cancels it", async () => {
    const abort = new AbortController();
    const res = await open(abort.signal);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    // Not reading: the response's buffers fill and the export waits instead of piling up bytes.
    const heapBefore = memory();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(memory() - heapBefore).toBeLessThan(40_000_000);
    // Meanwhile the engine answers other queries, and lists the export's as running.
    expect(await exportQueriesRunning()).toBe(1);
    abort.abort();
    await reader.cancel().catch(() => undefined);
    await waitFor(exportQueriesRunning, (running) => running === 0, 10_000);
    // Broken off, not read to its end and thrown away.
    await waitFor(async () => streamEnds.length, (ends) => ends === 2, 10_000);
    expect(streamEnds).toEqual(["end", "broken off"]);
  });
});
