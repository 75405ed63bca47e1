import { describe, expect, it } from "vitest";
import { Chatfunnel, type ChatfunnelOptions, type DropReason, type QueuedEvent } from "@chatfunnel/sdk";
import { scriptedFetch } from "./fake-fetch.js";

const base = { writeKey: "cf_w_test_key_1234567", endpoint: "http://127.0.0.1:1", channel: "telegram", botId: "b1" } as const;

function client(options: Partial<ChatfunnelOptions>, reply?: Parameters<typeof scriptedFetch>[0]) {
  const fake = scriptedFetch(reply);
  const drops: { events: QueuedEvent[]; reason: DropReason; detail: string }[] = [];
  const errors: Error[] = [];
  const cf = new Chatfunnel({
    ...base,
    fetch: fake.fetch,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 2,
    onDrop: (events, reason, detail) => drops.push({ events, reason, detail }),
    onError: (error) => errors.push(error),
    ...options,
  });
  return { cf, requests: fake.requests, drops, errors };
}

describe("Chatfunnel client", () => {
  it("fixes id and timestamp at creation and resends the same bytes on retry", async () => {
    const { cf, requests } = client({}, (_r, n) => (n < 2 ? { status: 503 } : { status: 200, body: { accepted: 1, rejected: [] } }));
    const id = cf.lead({ userId: "u1", sessionId: "s1" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await cf.flush();
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    const [event] = requests[0]!.events;
    expect(event!.id).toBe(id);
    expect(Date.parse(event!.timestamp)).toBeLessThanOrEqual(Date.now());
    expect(requests[0]!.headers["authorization"]).toBe(`Bearer ${base.writeKey}`);
    expect(cf.stats()).toMatchObject({ accepted: 1, retries: 2, requests: 3, dropped: 0 });
  });

  it("serializes only the contract's fields, omitting the ones not given", async () => {
    const { cf, requests } = client({});
    cf.order({ userId: "u", revenue: 10.5, currency: "USD", timestamp: new Date("2026-05-01T10:00:00Z"), source: { campaign: "c" } });
    await cf.flush();
    const sent = requests[0]!.events[0] as Record<string, unknown>;
    expect(Object.keys(sent).sort()).toEqual(["botId", "channel", "currency", "id", "revenue", "source", "timestamp", "type", "userId"]);
    expect(sent).toMatchObject({ type: "order", timestamp: "2026-05-01T10:00:00.000Z", revenue: 10.5, channel: "telegram", botId: "b1" });
  });

  it("batches by count", async () => {
    const { cf, requests } = client({ maxBatchEvents: 10, concurrency: 1 });
    for (let i = 0; i < 35; i++) cf.messageReceived({ userId: `u${i}` });
    await cf.flush();
    expect(requests.map((r) => r.events.length)).toEqual([10, 10, 10, 5]);
  });

  it("batches by bytes, never building a body above the limit", async () => {
    const { cf, requests } = client({ maxBatchBytes: 4096, maxBatchEvents: 1000 });
    // Cyrillic: 2 bytes per character in UTF-8, so counting characters would overshoot.
    for (let i = 0; i < 40; i++) cf.surveyAnswered({ userId: `u${i}`, properties: { answer: "я".repeat(400) } });
    await cf.flush();
    expect(requests.length).toBeGreaterThan(4);
    for (const r of requests) expect(new TextEncoder().encode(r.body).length).toBeLessThanOrEqual(4096);
    expect(requests.reduce((n, r) => n + r.events.length, 0)).toBe(40);
  });

  it("sends a partial batch after the interval without flush()", async () => {
    const { cf, requests } = client({ flushIntervalMs: 20 });
    cf.messageSent({ userId: "u" });
    const deadline = Date.now() + 2000;
    while (requests.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(requests).toHaveLength(1);
  });

  it("never retries a 4xx other than 408/429 and reports the server's message", async () => {
    const { cf, requests, drops, errors } = client({}, () => ({ status: 400, body: { error: { code: "bad_request", message: "body must be…" } } }));
    cf.lead({ userId: "u" });
    const result = await cf.flush();
    expect(requests).toHaveLength(1);
    expect(result.dropped).toBe(1);
    expect(drops[0]).toMatchObject({ reason: "client_error" });
    expect(errors[0]!.message).toContain("400: body must be…");
  });

  it("retries network errors and 5xx, then gives up after maxRetries", async () => {
    const { cf, requests, drops } = client({ maxRetries: 3 }, (_r, n) => (n % 2 === 0 ? "network-error" : { status: 502 }));
    cf.lead({ userId: "u" });
    await cf.flush();
    expect(requests).toHaveLength(4);
    expect(drops.map((d) => d.reason)).toEqual(["retries_exhausted"]);
  });

  it("splits a batch the server finds too large", async () => {
    const { cf, requests } = client({}, (r) => (r.events.length > 2 ? { status: 413 } : { status: 200, body: { accepted: r.events.length, rejected: [] } }));
    for (let i = 0; i < 8; i++) cf.lead({ userId: `u${i}` });
    const result = await cf.flush();
    expect(result.accepted).toBe(8);
    expect(requests.filter((r) => r.events.length <= 2).reduce((n, r) => n + r.events.length, 0)).toBe(8);
  });

  it("drops one event above the byte limit without blocking the others", async () => {
    const { cf, requests, drops } = client({ maxBatchBytes: 2048 });
    cf.lead({ userId: "small-1" });
    cf.lead({ userId: "huge", properties: { a: "x".repeat(1000), b: "y".repeat(1000), c: "z".repeat(1000) } });
    cf.lead({ userId: "small-2" });
    await cf.flush();
    expect(requests.flatMap((r) => r.events.map((e) => (e as unknown as { userId: string }).userId))).toEqual(["small-1", "small-2"]);
    expect(drops.map((d) => d.reason)).toEqual(["too_large"]);
  });

  it("reports rejected events with the server's reasons", async () => {
    const rejectedSeen: string[] = [];
    const { cf } = client({ onRejected: (r) => rejectedSeen.push(...r.map((x) => `${x.event.userId}:${x.errors[0]!.path}`)) }, (r) => ({
      status: 200,
      body: { accepted: r.events.length - 1, rejected: [{ index: 1, errors: [{ path: "timestamp", message: "too far" }] }] },
    }));
    cf.lead({ userId: "a" });
    cf.lead({ userId: "b" });
    cf.lead({ userId: "c" });
    const result = await cf.flush();
    expect(result.accepted).toBe(2);
    expect(result.rejected.map((r) => r.event.userId)).toEqual(["b"]);
    expect(rejectedSeen).toEqual(["b:timestamp"]);
  });

  it("drop-newest keeps the oldest events and returns null for the ones it refuses", async () => {
    const { cf, drops, requests } = client({ maxQueueSize: 5, overflow: "drop-newest", maxBatchEvents: 1000 });
    const ids = Array.from({ length: 8 }, (_, i) => cf.lead({ userId: `u${i}` }));
    expect(ids.slice(5)).toEqual([null, null, null]);
    expect(drops.map((d) => d.reason)).toEqual(["overflow", "overflow", "overflow"]);
    await cf.flush();
    expect(requests.flatMap((r) => r.events.map((e) => e.id))).toEqual(ids.slice(0, 5));
  });

  it("drop-oldest (the default) keeps the newest events", async () => {
    const { cf, drops, requests } = client({ maxQueueSize: 5, maxBatchEvents: 1000 });
    const ids = Array.from({ length: 8 }, (_, i) => cf.lead({ userId: `u${i}` }));
    expect(drops.flatMap((d) => d.events.map((e) => e.id))).toEqual(ids.slice(0, 3));
    await cf.flush();
    expect(requests.flatMap((r) => r.events.map((e) => e.id))).toEqual(ids.slice(3));
  });

  it("refuses invalid input without throwing, naming the problem", () => {
    const { cf, drops } = client({ botId: undefined });
    expect(cf.track({ type: "Lead!", userId: "u", botId: "b" })).toBeNull();
    expect(cf.track({ type: "lead", userId: "u", botId: "b", channel: "icq" as never })).toBeNull();
    expect(cf.track({ type: "lead", userId: "u" })).toBeNull();
    expect(cf.track({ type: "order", userId: "u", botId: "b", revenue: 5 })).toBeNull();
    expect(cf.track({ type: "lead", userId: "", botId: "b" })).toBeNull();
    expect(cf.track({ type: "lead", userId: 42 as never, botId: "b" })).toBeNull();
    expect(cf.track({ type: "lead", userId: "u", botId: "b", timestamp: new Date("not a date") })).toBeNull();
    expect(drops.map((d) => d.reason)).toEqual(["invalid", "invalid", "invalid", "invalid", "invalid", "invalid", "invalid"]);
    expect(drops.map((d) => d.detail.split(" ")[0])).toEqual(["type", "channel", "botId", "currency", "userId", "userId", "timestamp"]);
    expect(cf.track({ type: "lead", userId: "u", botId: "b" })).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("survives callbacks that throw", async () => {
    const errors: Error[] = [];
    const { cf } = client({
      maxQueueSize: 1,
      onDrop: () => {
        throw new Error("callback bug");
      },
      onError: (e) => errors.push(e),
    });
    cf.lead({ userId: "a" });
    expect(() => cf.lead({ userId: "b" })).not.toThrow();
    const result = await cf.flush();
    expect(result.accepted).toBe(1);
    expect(errors.map((e) => e.message)).toContain("callback bug");
  });

  it("rejects a missing write key or a non-http endpoint at construction", () => {
    expect(() => new Chatfunnel({ ...base, writeKey: "" })).toThrow(/writeKey/);
    expect(() => new Chatfunnel({ ...base, endpoint: "ftp://x" })).toThrow(/endpoint/);
  });

  it("posts to /v1/events under the given base URL", async () => {
    const urls: string[] = [];
    const fake = scriptedFetch();
    const cf = new Chatfunnel({ ...base, endpoint: "https://cf.example.com/", fetch: (url, init) => (urls.push(url), fake.fetch(url, init)) });
    cf.lead({ userId: "u" });
    await cf.flush();
    expect(urls).toEqual(["https://cf.example.com/v1/events"]);
  });

  it("whenQueueBelow() resolves once batches leave the queue", async () => {
    const { cf } = client({ maxQueueSize: 10_000, maxBatchEvents: 100 });
    for (let i = 0; i < 1000; i++) cf.messageReceived({ userId: `u${i}` });
    expect(cf.stats().queued).toBe(1000);
    await cf.whenQueueBelow(500);
    expect(cf.stats().queued).toBeLessThan(500);
    await cf.flush();
    expect(cf.stats().accepted).toBe(1000);
  });
});
