import type { Storage } from "@chatfunnel/core";
import { EXPORT_CSV_COLUMNS, type ExportEventsQuery } from "@chatfunnel/schemas";
import { RANGE_HEAD, eventScope, type ResolvedFilters } from "@chatfunnel/warehouse";
import { csvLine } from "../http/csv.js";

export type ExportFormat = ExportEventsQuery["format"];

/**
 * The raw-event export: every stored event of the scope in [from, to), ordered by timestamp then id, a
 * resend shown once, streamed with bounded memory however many events there are.
 *
 * - The engine writes each output line itself (NDJSON or CSV text built in SQL), so Node only splits the
 *   stream into rows and drops resends: no per-event objects, which is what keeps millions of events a
 *   second's work and the heap flat.
 * - Rows come as RowBinary `(ts ms Int64, event_id UUID, line String)`: the 24-byte key tells a resend (the
 *   same timestamp and id as the row before, the events explorer's rule) without parsing the line, and a CSV
 *   line may hold newlines inside quotes, which a line-based format could not frame.
 * - ORDER BY over the whole range spills to disk past EXPORT_SORT_SPILL_BYTES, so the engine's memory is
 *   bounded too; the stream pulls one block at a time, so a slow client slows the query instead of
 *   filling memory (storage.streamQuery).
 */

/** The engine's in-memory sort buffer before it spills sorted runs to disk. */
export const EXPORT_SORT_SPILL_BYTES = 64 * 2 ** 20;
/** Rows per block the engine hands over: ~200 B per event, so a few MiB per pull. */
export const EXPORT_BLOCK_ROWS = 16_384;

const KEY_BYTES = 8 + 16;

/** ISO 8601 UTC with milliseconds, as Date.toISOString writes it (the explorer's shape). */
const isoSql = (column: string) => `concat(replaceOne(toString(${column}), ' ', 'T'), 'Z')`;
const jsonSql = (expression: string) => `toJSONString(toString(${expression}))`;

const SOURCE_FIELDS = ["source", "medium", "campaign", "content", "term", "payload"] as const;

/** `,"name":value` when the column is not stored empty: fields stored empty are left out, as in the explorer. */
const optionalJsonField = (name: string, column: string) => `if(${column} = '', '', concat(',"${name}":', ${jsonSql(column)}))`;

const NDJSON_LINE_SQL = `concat(
  '{"id":"', toString(event_id), '","type":', ${jsonSql("type")}, ',"channel":', ${jsonSql("channel")},
  ',"botId":', ${jsonSql("bot_id")}, ',"userId":', ${jsonSql("user_id")},
  ${optionalJsonField("sessionId", "session_id")}, ${optionalJsonField("broadcastId", "broadcast_id")},
  ',"timestamp":"', ${isoSql("ts")}, '"',
  if(source_fields = '', '', concat(',"source":{', substring(source_fields, 2), '}')),
  if(currency = '', '', concat(',"revenue":', toString(toFloat64(revenue)), ',"currency":', ${jsonSql("currency")})),
  if(empty(properties), '', concat(',"properties":', toJSONString(properties))),
  ',"receivedAt":"', ${isoSql("received_at")}, '"}\\n')`;

const SOURCE_FIELDS_SQL = `concat(${SOURCE_FIELDS.map((field) => optionalJsonField(field, `source_${field}`)).join(", ")})`;

/**
 * One CSV cell in SQL, the same rule as api/src/http/csv.ts csvCell: a formula start (=, +, @, tab, CR, or -
 * unless the text is a plain number) gets a leading ', and text with a quote, comma, CR or LF is quoted.
 */
function csvCellSql(expression: string): string {
  const text = `toString(${expression})`;
  const guarded = `if(substring(${text}, 1, 1) IN ('=', '+', '@', '\\t', '\\r') OR (startsWith(${text}, '-') AND NOT match(${text}, '^-[0-9]+(\\\\.[0-9]+)?$')), concat('\\'', ${text}), ${text})`;
  return `if(multiSearchAny(${guarded}, ['"', ',', '\\r', '\\n']), concat('"', replaceAll(${guarded}, '"', '""'), '"'), ${guarded})`;
}

/** The CSV line in EXPORT_CSV_COLUMNS order; ids, channels and times never need quoting. */
const CSV_LINE_SQL = `concat(${[
  "toString(event_id)",
  csvCellSql("type"),
  "toString(channel)",
  csvCellSql("bot_id"),
  csvCellSql("user_id"),
  csvCellSql("session_id"),
  csvCellSql("broadcast_id"),
  isoSql("ts"),
  ...SOURCE_FIELDS.map((field) => csvCellSql(`source_${field}`)),
  "if(currency = '', '', toString(toFloat64(revenue)))",
  csvCellSql("currency"),
  `if(empty(properties), '', ${csvCellSql("toJSONString(properties)")})`,
  isoSql("received_at"),
].join(", ',', ")}, '\\r\\n')`;

/** The export's query and its settings. */
export function exportEventsQuery(storage: Storage, filters: ResolvedFilters, format: ExportFormat) {
  const db = storage.database;
  const scope = eventScope(filters, db);
  return {
    query: `WITH ${RANGE_HEAD}, ${SOURCE_FIELDS_SQL} AS source_fields
      SELECT toUnixTimestamp64Milli(ts) AS key_ms, event_id AS key_id, ${format === "csv" ? CSV_LINE_SQL : NDJSON_LINE_SQL} AS line
      FROM ${db}.events
      WHERE ${scope.sql} AND ts >= range_from AND ts < range_to
      ORDER BY ts, event_id`,
    params: { ...scope.params },
    format: "RowBinary",
    settings: {
      // The client sets the pace: a slow download must not hit the report queries' time limit; a disconnect cancels.
      max_execution_time: 0,
      max_memory_usage: String(storage.querySettings.max_memory_usage ?? 0),
      max_bytes_before_external_sort: EXPORT_SORT_SPILL_BYTES,
      max_block_size: EXPORT_BLOCK_ROWS,
      output_format_json_escape_forward_slashes: 0,
    },
  };
}

/**
 * The export's bytes, each yield a few MiB of whole lines (the CSV header first). The first yield comes once
 * the engine has sorted, so a failure before it (a memory cap) can still be answered as an error.
 */
export async function* exportEvents(storage: Storage, filters: ResolvedFilters, format: ExportFormat, signal?: AbortSignal): AsyncGenerator<Buffer> {
  let head = format === "csv" ? Buffer.from(csvLine(EXPORT_CSV_COLUMNS)) : Buffer.alloc(0);
  let carry = Buffer.alloc(0);
  // The key of the row before: one buffer reused, compared in place (no allocation per row).
  const lastKey = Buffer.alloc(KEY_BYTES);
  let haveLastKey = false;
  for await (const chunk of storage.streamQuery({ ...exportEventsQuery(storage, filters, format), ...(signal ? { signal } : {}) })) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // Lines are shorter than their rows, so the block's size bounds what they need.
    const out = Buffer.allocUnsafe(head.length + data.length);
    let written = head.copy(out, 0);
    let position = 0;
    for (;;) {
      const row = readRow(data, position);
      if (row === undefined) break;
      // A resend not yet merged away sits right after its original: same timestamp, same id.
      if (!haveLastKey || data.compare(lastKey, 0, KEY_BYTES, position, position + KEY_BYTES) !== 0) {
        written += data.copy(out, written, row.start, row.end);
        data.copy(lastKey, 0, position, position + KEY_BYTES);
        haveLastKey = true;
      }
      position = row.end;
    }
    carry = Buffer.from(data.subarray(position));
    if (written > 0) {
      yield out.subarray(0, written);
      head = Buffer.alloc(0);
    }
  }
  if (carry.length > 0) throw new Error(`the export stream ended inside a row (${carry.length} bytes left)`);
  if (head.length > 0) yield head;
}

/** One RowBinary row `(Int64, UUID, String)` at `position`: where its line starts and ends, or undefined if incomplete. */
function readRow(data: Buffer, position: number): { start: number; end: number } | undefined {
  let cursor = position + KEY_BYTES;
  let length = 0;
  let factor = 1;
  for (;;) {
    if (cursor >= data.length) return undefined;
    const byte = data[cursor++]!;
    length += (byte & 0x7f) * factor;
    if (byte < 0x80) break;
    factor *= 128;
  }
  const end = cursor + length;
  return end <= data.length ? { start: cursor, end } : undefined;
}
