import { randomUUID } from "node:crypto";
import zlib from "node:zlib";
import type fastCheck from "fast-check";
import type { Arbitrary } from "fast-check";
import { CHANNELS, RESERVED_EVENT_TYPES, type Event } from "@chatfunnel/schemas";
import { toEventRow } from "@chatfunnel/warehouse";
import { type Storage } from "@chatfunnel/core";

type FC = typeof fastCheck;

/**
 * What POST /v1/events must answer for one hostile request.
 * - batch: 200; exactly the events at `valid` accepted and stored as sent, every other index rejected.
 * - refused: a 4xx for the whole body (bad encoding, not JSON, not an envelope, too large); nothing stored.
 * - anything: random JSON; any 2xx/4xx, never a 5xx, and nothing from it stored (it holds no valid event).
 * A 429 is always allowed (the sender is told to retry; nothing of that request is stored).
 */
export type HostileExpectation =
  | { kind: "batch"; valid: Array<{ index: number; event: Event }>; invalid: number[] }
  | { kind: "refused" }
  | { kind: "anything" };

export interface HostileRequest {
  /** Which hostile family produced it, for reports. */
  family: string;
  headers: Record<string, string>;
  body: Buffer;
  expect: HostileExpectation;
}

/** An event candidate and whether it is valid by construction (never by asking the validator). */
interface Candidate {
  value: unknown;
  /** JSON text of the candidate when it cannot be made by JSON.stringify (own __proto__, raw bytes). */
  raw?: Buffer;
  valid: boolean;
}

const MARKER = "RAW_BYTES_GO_HERE_7f3a";

/**
 * Hostile POST /v1/events requests, for the ingest fuzz test and the fuzz bench: batches mixing valid
 * events (any Unicode text, astral and control characters included, every optional field) with
 * invalid ones (lone surrogates in every text field, a __proto__ property, wrong types, nested
 * objects, huge strings, unknown fields, bad times, bytes that are not UTF-8), sent plain or gzipped;
 * and bodies bad as a whole (random JSON, garbage, truncated or fake gzip, unknown encodings,
 * oversized). Ids are fresh random UUIDs drawn inside `map`, so a value is not reproducible from its
 * seed: use it with fc.sample, not for shrinking.
 */
export function hostileIngestRequests(fc: FC): Arbitrary<HostileRequest> {
  const valid = validEvent(fc).map((value): Candidate => ({ value, valid: true }));
  const candidate = fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: invalidCandidate(fc), weight: 2 });
  const batch = fc
    .tuple(fc.array(candidate, { minLength: 1, maxLength: 30 }), fc.constantFrom("identity", "gzip", "deflate", "br"), fc.boolean())
    .map(([candidates, encoding, jsonType]): HostileRequest => {
      const body = envelopeBytes(candidates);
      const expect: HostileExpectation = {
        kind: "batch",
        valid: candidates.flatMap((c, index) => (c.valid ? [{ index, event: c.value as Event }] : [])),
        invalid: candidates.flatMap((c, index) => (c.valid ? [] : [index])),
      };
      return { family: `batch/${encoding}`, ...encoded(body, encoding, jsonType), expect };
    });
  const wholeBodies = fc.oneof(
    fc.json({ maxDepth: 3 }).map((text): HostileRequest => ({ family: "random-json", headers: { "Content-Type": "application/json" }, body: Buffer.from(text), expect: { kind: "anything" } })),
    fc.uint8Array({ minLength: 0, maxLength: 200 }).map((bytes): HostileRequest => ({ family: "garbage-bytes", headers: {}, body: Buffer.concat([Buffer.from("{"), Buffer.from(bytes)]), expect: { kind: "refused" } })),
    fc.tuple(fc.array(valid, { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 60 })).map(([candidates, keep]): HostileRequest => {
      const gz = zlib.gzipSync(envelopeBytes(candidates));
      return { family: "truncated-gzip", headers: { "Content-Encoding": "gzip" }, body: gz.subarray(0, Math.min(keep, gz.length - 9)), expect: { kind: "refused" } };
    }),
    fc.uint8Array({ minLength: 1, maxLength: 100 }).map((bytes): HostileRequest => ({ family: "fake-gzip", headers: { "Content-Encoding": "gzip" }, body: Buffer.from(bytes), expect: { kind: "refused" } })),
    fc.tuple(fc.array(valid, { minLength: 1, maxLength: 3 }), fc.constantFrom("compress", "snappy", "zstd-ish", "gzip, br")).map(([candidates, encoding]): HostileRequest => ({
      family: "unknown-encoding",
      headers: { "Content-Encoding": encoding },
      body: envelopeBytes(candidates),
      expect: { kind: "refused" },
    })),
    fc.constant(null).map((): HostileRequest => ({
      family: "too-many-events",
      headers: {},
      body: envelopeBytes(Array.from({ length: 1001 }, () => ({ value: fixedValid(), valid: true }))),
      expect: { kind: "refused" },
    })),
    fc.constant(null).map((): HostileRequest => ({
      family: "over-1-MiB",
      headers: {},
      body: Buffer.from(JSON.stringify({ events: [{ ...fixedValid(), properties: { text: "x".repeat(1024) } }], pad: "p".repeat(1_100_000) })),
      expect: { kind: "refused" },
    })),
    fc.oneof(fc.constant('{"events": []}'), fc.constant('{"events": {}}'), fc.constant('{"events": [], "extra": 1}'), fc.constant("null"), fc.constant('"events"')).map(
      (text): HostileRequest => ({ family: "wrong-envelope", headers: { "Content-Type": "application/json" }, body: Buffer.from(text), expect: { kind: "refused" } }),
    ),
  );
  return fc.oneof({ arbitrary: batch, weight: 6 }, { arbitrary: wholeBodies, weight: 2 });
}

/** Whether an answer keeps the contract for its request; undefined when it does, else what is wrong. */
export function hostileAnswerProblem(request: HostileRequest, status: number, body: unknown): string | undefined {
  if (status >= 500) return `${request.family}: ${status} ${JSON.stringify(body).slice(0, 300)}`;
  if (status === 429) return undefined;
  const expect = request.expect;
  if (expect.kind === "refused") return status >= 400 && status < 500 ? undefined : `${request.family}: expected a 4xx, got ${status}`;
  if (expect.kind === "anything") return undefined;
  if (status !== 200) return `${request.family}: expected 200, got ${status} ${JSON.stringify(body).slice(0, 300)}`;
  const answer = body as { accepted?: number; rejected?: Array<{ index: number; errors: Array<{ path: string; message: string }> }> };
  const rejected = (answer.rejected ?? []).map((r) => r.index);
  if (answer.accepted !== expect.valid.length || JSON.stringify(rejected) !== JSON.stringify(expect.invalid)) {
    return `${request.family}: accepted ${answer.accepted} rejected ${JSON.stringify(rejected)}; expected ${expect.valid.length} and ${JSON.stringify(expect.invalid)}`;
  }
  const unnamed = (answer.rejected ?? []).find((r) => r.errors.length === 0 || r.errors.some((e) => !e.path || !e.message));
  return unnamed ? `${request.family}: a rejection without a field: ${JSON.stringify(unnamed)}` : undefined;
}

/** Events a request's answer says were stored: those to look for in the table afterwards. */
export function acknowledgedEvents(request: HostileRequest, status: number): Event[] {
  return status === 200 && request.expect.kind === "batch" ? request.expect.valid.map((v) => v.event) : [];
}

export interface StoredCheck {
  /** Acknowledged events not in the table. */
  missing: string[];
  /** Rows whose event was never acknowledged as valid: invalid events stored, or garbage. */
  unexpected: string[];
  /** Rows that differ from the event sent (text garbled, a property lost). */
  garbled: Array<{ id: string; field: string; stored: unknown; sent: unknown }>;
}

/** Reads back every event row of `projectId` and compares it with what was acknowledged, field by field. */
export async function checkStoredEvents(storage: Storage, projectId: string, acknowledged: Event[]): Promise<StoredCheck> {
  const result = await storage.client.query({
    query: `SELECT event_id, type, channel, bot_id, user_id, session_id, toUnixTimestamp64Milli(ts) AS ts_ms, source_source, source_medium,
                   source_campaign, source_content, source_term, source_payload, toString(revenue) AS revenue, currency, properties
            FROM ${storage.database}.events FINAL WHERE project_id = {p:String}`,
    query_params: { p: projectId },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const stored = new Map((await result.json<Record<string, unknown>>()).map((row) => [String(row.event_id), row]));
  const check: StoredCheck = { missing: [], unexpected: [], garbled: [] };
  const sentIds = new Set<string>();
  for (const event of acknowledged) {
    const expected = toEventRow(projectId, event, 0) as unknown as Record<string, unknown>;
    sentIds.add(expected.event_id as string);
    const row = stored.get(expected.event_id as string);
    if (!row) {
      check.missing.push(event.id);
      continue;
    }
    for (const field of ["type", "channel", "bot_id", "user_id", "session_id", "source_source", "source_medium", "source_campaign", "source_content", "source_term", "source_payload", "currency"]) {
      if (row[field] !== expected[field]) check.garbled.push({ id: event.id, field, stored: row[field], sent: expected[field] });
    }
    if (JSON.stringify(sortedEntries(row.properties)) !== JSON.stringify(sortedEntries(expected.properties))) {
      check.garbled.push({ id: event.id, field: "properties", stored: row.properties, sent: expected.properties });
    }
    if (Number(row.ts_ms) !== Date.parse(event.timestamp)) check.garbled.push({ id: event.id, field: "ts", stored: row.ts_ms, sent: event.timestamp });
    if (Math.abs(Number(row.revenue) - (event.revenue ?? 0)) > 0.00005) check.garbled.push({ id: event.id, field: "revenue", stored: row.revenue, sent: event.revenue });
  }
  for (const id of stored.keys()) if (!sentIds.has(id)) check.unexpected.push(id);
  return check;
}

function sortedEntries(value: unknown): Array<[string, unknown]> {
  return Object.entries((value ?? {}) as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function encoded(body: Buffer, encoding: string, jsonType: boolean): { headers: Record<string, string>; body: Buffer } {
  const headers: Record<string, string> = jsonType ? { "Content-Type": "application/json" } : {};
  if (encoding === "identity") return { headers, body };
  headers["Content-Encoding"] = encoding;
  // Brotli at its default quality (11) costs more than the whole request; 4 compresses as bots would.
  const compressed =
    encoding === "gzip"
      ? zlib.gzipSync(body)
      : encoding === "deflate"
        ? zlib.deflateSync(body)
        : zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } });
  return { headers, body: compressed };
}

/** {"events": [...]} as bytes; candidates with their own raw text are spliced in as they are. */
function envelopeBytes(candidates: Candidate[]): Buffer {
  const parts: Buffer[] = [Buffer.from('{"events":[')];
  candidates.forEach((c, i) => {
    if (i > 0) parts.push(Buffer.from(","));
    parts.push(c.raw ?? Buffer.from(JSON.stringify(c.value)));
  });
  parts.push(Buffer.from("]}"));
  return Buffer.concat(parts);
}

function fixedValid(): Event {
  return { id: randomUUID(), type: "lead", channel: "telegram", botId: "b", userId: "u", timestamp: new Date().toISOString() };
}

const MIN_TIME = Date.UTC(2000, 0, 1);
const DAY = 24 * 60 * 60 * 1000;

/** Well-formed text of at most `max` UTF-16 units: any code point, astral and control ones included. */
function text(fc: FC, max: number, min = 0): Arbitrary<string> {
  return fc
    .oneof(fc.string({ unit: "binary", minLength: min, maxLength: Math.floor(max / 2) }), fc.string({ unit: "grapheme", minLength: min, maxLength: Math.floor(max / 4) }), fc.string({ minLength: min, maxLength: max }))
    .filter((s) => s.length >= min && s.length <= max);
}

function validEvent(fc: FC): Arbitrary<Event> {
  const key = text(fc, 128, 1).filter((k) => k !== "__proto__");
  const value = fc.oneof(text(fc, 1024), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null));
  const source = fc.record(
    { source: text(fc, 256), medium: text(fc, 256), campaign: text(fc, 256), content: text(fc, 256), term: text(fc, 256), payload: text(fc, 512) },
    { requiredKeys: [] },
  );
  const offset = fc.constantFrom("Z", "+03:00", "-05:30", "+14:00");
  return fc
    .record(
      {
        type: fc.oneof(fc.constantFrom(...RESERVED_EVENT_TYPES), fc.stringMatching(/^[a-z][a-z0-9_]{0,63}$/)),
        channel: fc.constantFrom(...CHANNELS),
        botId: text(fc, 128, 1),
        userId: text(fc, 128, 1),
        sessionId: fc.option(text(fc, 128, 1), { nil: undefined }),
        // Mostly recent, sometimes anywhere since 2000: each month is a partition, and an insert
        // spanning more than 100 of them is refused whole (and split by the writer).
        at: fc.oneof({ arbitrary: fc.integer({ min: Date.now() - 60 * DAY, max: Date.now() }), weight: 9 }, { arbitrary: fc.integer({ min: MIN_TIME, max: Date.now() }), weight: 1 }),
        offset,
        source: fc.option(source, { nil: undefined }),
        money: fc.option(fc.tuple(fc.integer({ min: 0, max: 1_000_000_000_00 }), fc.constantFrom("RUB", "USD", "EUR")), { nil: undefined }),
        properties: fc.option(fc.dictionary(key, value, { maxKeys: 8 }), { nil: undefined }),
      },
      { requiredKeys: ["type", "channel", "botId", "userId", "at", "offset"] },
    )
    .map((r) => {
      const event: Event = { id: randomUUID(), type: r.type, channel: r.channel, botId: r.botId, userId: r.userId, timestamp: isoWithOffset(r.at, r.offset) };
      if (r.sessionId !== undefined) event.sessionId = r.sessionId;
      if (r.source !== undefined) event.source = r.source;
      if (r.money !== undefined) {
        event.revenue = r.money[0] / 100;
        event.currency = r.money[1];
      }
      if (r.properties !== undefined) event.properties = { ...r.properties };
      return event;
    });
}

/** `at` written in the given offset, with milliseconds: the same instant, as many bots spell it. */
function isoWithOffset(at: number, offset: string): string {
  if (offset === "Z") return new Date(at).toISOString();
  const sign = offset.startsWith("-") ? -1 : 1;
  const [h, m] = offset.slice(1).split(":").map(Number) as [number, number];
  const local = new Date(at + sign * (h * 60 + m) * 60_000).toISOString();
  return `${local.slice(0, 23)}${offset}`;
}

const TEXT_FIELDS = ["botId", "userId", "sessionId", "source.campaign", "source.payload", "properties.text", "properties(key)"] as const;

function loneSurrogate(fc: FC): Arbitrary<(s: string) => string> {
  return fc.oneof(
    fc.integer({ min: 0xd800, max: 0xdbff }).map((unit) => (s: string) => `${s.slice(0, 20)}${String.fromCharCode(unit)}x`),
    fc.integer({ min: 0xdc00, max: 0xdfff }).map((unit) => (s: string) => `x${String.fromCharCode(unit)}${s.slice(0, 20)}`),
  );
}

/** A valid event broken in exactly one way the contract refuses. */
function invalidCandidate(fc: FC): Arbitrary<Candidate> {
  const broken = (value: unknown): Candidate => ({ value, valid: false });
  const withField = (event: Event, field: string, value: unknown): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...event };
    if (field.startsWith("source.")) copy.source = { ...(event.source ?? {}), [field.slice(7)]: value };
    else if (field === "properties.text") copy.properties = { ...(event.properties ?? {}), text: value };
    else copy[field] = value;
    return copy;
  };
  return fc.oneof(
    // Lone surrogates, high or low, in every text field and in a property name.
    fc.tuple(validEvent(fc), fc.constantFrom(...TEXT_FIELDS), loneSurrogate(fc)).map(([event, field, cut]) => {
      if (field === "properties(key)") return broken({ ...event, properties: { ...(event.properties ?? {}), [cut("k")]: "v" } });
      return broken(withField(event, field, cut(field === "sessionId" ? "s" : "text")));
    }),
    // A __proto__ property, with any value (JSON.parse makes it an own property; JSON.stringify cannot).
    fc.tuple(validEvent(fc), fc.oneof(fc.json({ maxDepth: 2 }), fc.constant('{"polluted":true}'))).map(([event, json]): Candidate => {
      const text = JSON.stringify({ ...event, properties: { kept: "yes", [MARKER]: 0 } }).replace(`"${MARKER}":0`, () => `"__proto__":${json}`);
      return { value: event, raw: Buffer.from(text), valid: false };
    }),
    // Bytes that are not UTF-8 inside a string.
    fc.tuple(validEvent(fc), fc.constantFrom([0xff], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80])).map(([event, bytes]): Candidate => {
      const [before, after] = JSON.stringify({ ...event, properties: { text: MARKER } }).split(MARKER) as [string, string];
      return { value: event, raw: Buffer.concat([Buffer.from(before), Buffer.from("ab"), Buffer.from(bytes), Buffer.from("cd"), Buffer.from(after)]), valid: false };
    }),
    // Wrong types, nested objects, huge strings, unknown fields, bad times and amounts.
    fc.tuple(validEvent(fc), fc.integer({ min: 0, max: 15 }), fc.anything({ maxDepth: 2 })).map(([event, which, anything]) => {
      switch (which) {
        case 0:
          return broken({ ...event, userId: 12345 });
        case 1:
          return broken({ ...event, properties: { nested: { deep: [1, 2] } } });
        case 2:
          return broken({ ...event, properties: [1, 2, 3] });
        case 3:
          return broken({ ...event, userId: "u".repeat(129) });
        case 4:
          return broken({ ...event, properties: { big: "x".repeat(1025) } });
        case 5:
          return broken({ ...event, surprise: anything ?? 1 });
        case 6:
          return broken({ ...event, timestamp: "2026-05-01 10:00:00" });
        case 7:
          return broken({ ...event, timestamp: "1999-12-31T23:59:59Z" });
        case 8:
          return broken({ ...event, revenue: 5, currency: undefined });
        case 9:
          return broken({ ...event, revenue: -1, currency: "RUB" });
        case 10:
          return broken({ ...event, channel: "icq" });
        case 11:
          return broken({ ...event, id: "not-a-uuid" });
        case 12:
          return broken({ ...event, properties: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])) });
        case 13:
          return broken({ ...event, source: { campaign: "c", utm: "x" } });
        case 14:
          return broken({ ...event, properties: { [""]: "empty name" } });
        default:
          return broken(anything === undefined ? null : typeof anything === "object" && anything !== null && !Array.isArray(anything) ? { ...(anything as object), id: 1 } : anything);
      }
    }),
  );
}
