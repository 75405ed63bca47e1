/**
 * Hostile ingest requests for bench/fuzz.bench.ts: batches that mix events valid by construction with
 * events invalid by construction (lone surrogates, amounts the storage cannot hold, times out of bounds,
 * `__proto__` properties, unknown fields, oversize text), and bodies that are bad as a whole (not JSON,
 * truncated gzip, invalid UTF-8, wrong media type). The bench knows for every event what must happen:
 * a valid one is acknowledged and stored exactly as sent, an invalid one is refused and never stored.
 */
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { CHANNELS, isWellFormedText, type Event } from "@chatfunnel/schemas";

export interface IngestCase {
  headers: Record<string, string>;
  body: string | Buffer;
  /** The events array as sent (JSON bodies), or undefined when the body is not a JSON events envelope. */
  events: unknown[] | undefined;
  /** Indexes of events valid by construction: each must be acknowledged and stored as sent. */
  valid: number[];
  /** Indexes of events invalid by construction: each must be refused and never stored. */
  invalid: number[];
  /** Ids that must never be stored (events of a body that is bad as a whole, or invalid ones). */
  forbiddenIds: string[];
  /** A body bad as a whole: the answer must be a 4xx. */
  refused?: boolean;
  /** Which generator made it, for reports. */
  family?: string;
}

let counter = 0;
/** Unique, deterministic UUIDs (v4 layout) so every event of the run is its own. */
function nextId(): string {
  counter++;
  const hex = counter.toString(16).padStart(12, "0");
  return `f022a000-0000-4000-8000-${hex}`;
}

const wellFormedText = (maxLength: number) =>
  fc.oneof(
    fc.string({ minLength: 1, maxLength }),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: Math.min(maxLength, 40) }),
    fc.constantFrom("привет", "😀👍🏽", "مرحبا", "\u202Eabc", "a\u0000b", "toString", "constructor", "'; DROP TABLE events; --", "{x:String}", "\\"),
  ).filter((text) => isWellFormedText(text) && text.length >= 1 && text.length <= maxLength);

// `__proto__` is refused by the contract (see README), so a valid event never carries it; fast-check's
// strings produce it on purpose.
const propertyKey = fc
  .oneof(fc.constantFrom("plan", "text", "constructor", "toString", "hasOwnProperty", "valueOf", "😀", "a.b", "k".repeat(128)), wellFormedText(128))
  .filter((key) => key !== "__proto__");
const propertyValue = fc.oneof(wellFormedText(1024), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constant("x".repeat(1024)));

const EVENT_TYPES = ["bot_started", "message_received", "message_sent", "button_clicked", "lead", "order", "payment", "handoff", "resolved", "custom_event", "broadcast_failed"];
/** Around the API fuzz's dates, and recent ones. */
const timestamp = fc.oneof(
  fc.integer({ min: Date.UTC(2026, 3, 25), max: Date.UTC(2026, 4, 10) }),
  fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2000, 0, 2) }),
  fc.integer({ min: -3_600_000 * 24 * 30, max: 0 }).map((back) => Date.now() + back),
).chain((ms) =>
  fc.constantFrom("Z", "+03:00", "-12:00", "+14:00", "+05:30").map((offset) => {
    if (offset === "Z") return new Date(ms).toISOString();
    const sign = offset[0] === "+" ? 1 : -1;
    const [h, m] = offset.slice(1).split(":").map(Number);
    const local = new Date(ms + sign * (h! * 60 + m!) * 60_000).toISOString().slice(0, 23);
    return `${local}${offset}`;
  }),
);

/** Revenue the contract allows, with at most 2 decimals (storage keeps 4). */
const revenue = fc.oneof(fc.constantFrom(0, 0.01, 99_999_999_999_999.98, 2 ** 46, 92_233_720_368.55), fc.integer({ min: 0, max: 1_000_000 }).map((cents) => cents / 100));

export const validEventArb: fc.Arbitrary<Event> = fc
  .record(
    {
      type: fc.constantFrom(...EVENT_TYPES),
      channel: fc.constantFrom(...CHANNELS),
      botId: fc.oneof(fc.constantFrom("bot-1", "shop_bot"), wellFormedText(128)),
      userId: fc.oneof(fc.constantFrom("u1", "u2", "42"), wellFormedText(128)),
      sessionId: fc.option(wellFormedText(128), { nil: undefined }),
      broadcastId: fc.option(fc.constantFrom("b1", "spring"), { nil: undefined }),
      timestamp,
      source: fc.option(fc.record({ campaign: fc.option(wellFormedText(256), { nil: undefined }), source: fc.option(wellFormedText(256), { nil: undefined }), payload: fc.option(wellFormedText(512), { nil: undefined }) }, { requiredKeys: [] }), { nil: undefined }),
      money: fc.option(fc.record({ revenue, currency: fc.constantFrom("RUB", "USD", "EUR") }), { nil: undefined }),
      properties: fc.option(fc.dictionary(propertyKey, propertyValue, { maxKeys: 6 }), { nil: undefined }),
    },
    { requiredKeys: ["type", "channel", "botId", "userId", "timestamp"] },
  )
  .map((r) => {
    const event: Event = { id: nextId(), type: r.type, channel: r.channel, botId: r.botId, userId: r.userId, timestamp: r.timestamp };
    if (r.sessionId !== undefined) event.sessionId = r.sessionId;
    if (r.broadcastId !== undefined) event.broadcastId = r.broadcastId;
    if (r.source) {
      const source = Object.fromEntries(Object.entries(r.source).filter(([, value]) => value !== undefined));
      if (Object.keys(source).length > 0) event.source = source;
    }
    if (r.money) Object.assign(event, r.money);
    if (r.properties) event.properties = r.properties;
    return event;
  });

/** One way of breaking a valid event; each one the contract refuses. */
const breakings: fc.Arbitrary<(event: Record<string, unknown>) => void> = fc.constantFrom<(event: Record<string, unknown>) => void>(
  (e) => (e.properties = { text: "hello 😀".slice(0, 7) }),
  (e) => (e.properties = { text: "low\uDFFF" }),
  (e) => (e.userId = "u\uD83D"),
  (e) => (e.source = { campaign: "\uDC00camp" }),
  (e) => (e.properties = { ["k\uD800"]: 1 }),
  (e) => Object.assign(e, { revenue: 1e14, currency: "RUB" }),
  (e) => Object.assign(e, { revenue: 1e300, currency: "RUB" }),
  (e) => Object.assign(e, { revenue: -1, currency: "RUB" }),
  (e) => Object.assign(e, { revenue: "5", currency: "RUB" }),
  (e) => {
    e.revenue = 5;
    delete e.currency;
  },
  (e) => (e.timestamp = "0001-01-01T00:00:00Z"),
  (e) => (e.timestamp = "1999-12-31T23:59:59Z"),
  (e) => (e.timestamp = "2999-01-01T00:00:00Z"),
  (e) => (e.timestamp = "2026-05-01T10:00:00"),
  (e) => (e.timestamp = "2026-02-30T10:00:00Z"),
  (e) => (e.properties = JSON.parse('{"__proto__": {"polluted": 1}}') as Record<string, unknown>),
  (e) => (e.properties = JSON.parse('{"__proto__": "x", "ok": 1}') as Record<string, unknown>),
  (e) => (e.user_id = "snake"),
  (e) => (e.type = "Lead"),
  (e) => (e.type = "x".repeat(65)),
  (e) => (e.channel = "icq"),
  (e) => (e.id = "not-a-uuid"),
  (e) => (e.botId = ""),
  (e) => (e.botId = "b".repeat(129)),
  (e) => (e.properties = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i]))),
  (e) => (e.properties = { ["k".repeat(129)]: 1 }),
  (e) => (e.properties = { text: "v".repeat(1025) }),
  (e) => (e.properties = { nested: { a: 1 } }),
  (e) => (e.properties = { list: [1, 2] }),
  (e) => (e.source = { campaign: "c", extra: 1 }),
  (e) => (e.currency = "rub"),
);

const invalidEventArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(validEventArb, breakings).map(([event, breakIt]) => {
    const copy: Record<string, unknown> = { ...event };
    breakIt(copy);
    return copy;
  }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 1, "event", [], true, {}) },
);

const JSON_HEADERS = { "Content-Type": "application/json" };

/** A batch: 1–40 events, valid and invalid ones mixed, sometimes gzip-compressed as it should be. */
const mixedBatch: fc.Arbitrary<IngestCase> = fc
  .tuple(
    fc.array(fc.oneof({ weight: 3, arbitrary: validEventArb.map((event) => ({ ok: true as const, event })) }, { weight: 1, arbitrary: invalidEventArb.map((event) => ({ ok: false as const, event })) }), { minLength: 1, maxLength: 40 }),
    fc.boolean(),
    // The collector reads JSON whatever the media type (navigator.sendBeacon sends text/plain).
    fc.constantFrom("application/json", "text/plain;charset=UTF-8", "application/json; charset=utf-8"),
  )
  .map(([entries, gzip, contentType]) => {
    const events = entries.map((entry) => entry.event);
    const text = JSON.stringify({ events });
    const invalid = entries.flatMap((entry, index) => (entry.ok ? [] : [index]));
    return {
      headers: gzip ? { "Content-Type": contentType, "Content-Encoding": "gzip" } : ({ "Content-Type": contentType } as Record<string, string>),
      body: gzip ? gzipSync(text) : text,
      events,
      valid: entries.flatMap((entry, index) => (entry.ok ? [index] : [])),
      invalid,
      forbiddenIds: invalid.flatMap((index) => idOf(events[index])),
    };
  });

const idOf = (event: unknown): string[] => {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === "string" ? [id.toLowerCase()] : [];
};

/** The body with bytes that are not UTF-8 inside the first event's userId: that text has no form to store. */
function notUtf8(text: string): Buffer {
  const at = text.indexOf('"userId":"') + '"userId":"'.length;
  return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from(text.slice(at))]);
}

/** Bodies bad as a whole: none of their events may be stored, and the answer is a 4xx. */
const badBody: fc.Arbitrary<IngestCase> = fc.tuple(fc.array(validEventArb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 10 })).map(([events, kind]) => {
  const text = JSON.stringify({ events });
  const bodies: [Record<string, string>, string | Buffer][] = [
    [JSON_HEADERS, text.slice(0, Math.max(1, text.length - 7))],
    [{ ...JSON_HEADERS, "Content-Encoding": "gzip" }, gzipSync(text).subarray(0, 20)],
    [{ ...JSON_HEADERS, "Content-Encoding": "gzip" }, Buffer.from("not gzip at all")],
    [{ ...JSON_HEADERS, "Content-Encoding": "br" }, Buffer.from(text)],
    [{ ...JSON_HEADERS, "Content-Encoding": "zstd-x" }, Buffer.from(text)],
    [JSON_HEADERS, JSON.stringify({ events, extra: 1 })],
    [JSON_HEADERS, JSON.stringify(events)],
    [JSON_HEADERS, ""],
    // Invalid UTF-8 inside a string of an otherwise valid event: the bytes have no text form.
    [JSON_HEADERS, notUtf8(JSON.stringify({ events: [events[0]] }))],
    [JSON_HEADERS, JSON.stringify({ events: Array.from({ length: 1001 }, () => events[0]) })],
    [JSON_HEADERS, JSON.stringify({ events: [{ ...events[0], properties: { text: "x".repeat(1_100_000) } }] })],
  ];
  const [headers, body] = bodies[kind]!;
  // The event whose userId is not UTF-8 is refused at its field (200, rejected at index 0) or with the body.
  if (kind === 8) return { headers, body, events: [events[0]], valid: [], invalid: [0], forbiddenIds: idOf(events[0]), family: "not-utf8" };
  return { headers, body, events: undefined, valid: [], invalid: [], forbiddenIds: events.flatMap(idOf), refused: true, family: `bad-body/${kind}` };
});

export const ingestCaseArb: fc.Arbitrary<IngestCase> = fc.oneof({ weight: 5, arbitrary: mixedBatch }, { weight: 1, arbitrary: badBody });
