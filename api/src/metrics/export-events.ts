import type { Storage } from "@chatfunnel/core";
import { EXPORT_CSV_COLUMNS, type ExportEventsQuery } from "@chatfunnel/schemas";
import { z } from "zod";
import { RANGE_HEAD, eventScope, runQuery, type ResolvedFilters } from "@chatfunnel/warehouse";
import { csvLine } from "../http/csv.js";

export type ExportFormat = ExportEventsQuery["format"];

/**
 * The raw-event export: every stored event of the scope in [from, to), ordered by timestamp then id, a
 * resend shown once, streamed with bounded memory however many events there are.
 *
 * - The engine writes each output line itself (NDJSON or CSV text built in SQL), drops resends (`LIMIT 1 BY` the
 *   sort key: a resend not yet merged away is the same timestamp and id, the events explorer's rule) and hands
 *   over the lines back to back (RawBLOB), so Node only passes bytes on: no per-event work at all, which is
 *   what keeps millions of events a second's work and the heap flat. (Splitting RowBinary rows in Node to drop
 *   resends there cost about as much as the engine's whole query.)
 * - The range is cut into windows of about EXPORT_WINDOW_ROWS events (from a count per hour, which reads only
 *   the ts column) and each window is one sorted query, streamed one block per pull. The engine holds one
 *   window's sort at a time, so its memory is bounded by the window, not the export: chDB does not spill an
 *   ORDER BY to disk (it has no temporary volume), and one ORDER BY over 3M events held 460 MiB. Each window
 *   reads the columns of its partitions again (events are sorted by user, so every granule holds every hour):
 *   the price of the bound, kept small by large windows.
 * - Pulling is the backpressure: a slow client slows the query instead of filling memory (storage.streamQuery).
 */

/** Events per window: the engine sorts ~190 B per event of NDJSON lines, so ~100 MiB per window. */
export const EXPORT_WINDOW_ROWS = 500_000;
/** Rows per block the engine hands over: ~200 B per event, so a few MiB per pull. */
export const EXPORT_BLOCK_ROWS = 16_384;

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

/**
 * The CSV line in EXPORT_CSV_COLUMNS order. csvCellSql's rule gives a known answer for some columns, so it is
 * not evaluated there (the per-cell checks were most of the CSV's cost over NDJSON): ids, channels and times
 * never need quoting; a type is snake_case and a currency three capitals (schemas/src/event.ts), so neither
 * starts like a formula or holds a character to quote; the properties' JSON object starts with '{' and always
 * holds a quote, so it is always quoted.
 */
const CSV_LINE_SQL = `concat(${[
  "toString(event_id)",
  "toString(type)",
  "toString(channel)",
  csvCellSql("bot_id"),
  csvCellSql("user_id"),
  csvCellSql("session_id"),
  csvCellSql("broadcast_id"),
  isoSql("ts"),
  ...SOURCE_FIELDS.map((field) => csvCellSql(`source_${field}`)),
  "if(currency = '', '', toString(toFloat64(revenue)))",
  "toString(currency)",
  `if(empty(properties), '', concat('"', replaceAll(toJSONString(properties), '"', '""'), '"'))`,
  isoSql("received_at"),
].join(", ',', ")}, '\\r\\n')`;

/** A window of the export: [fromMs, toMs), UTC milliseconds. */
export interface ExportWindow {
  fromMs: number;
  toMs: number;
}

const HourCountSchema = z.object({ hour_ms: z.coerce.number(), events: z.coerce.number() });

/**
 * The range cut at hour boundaries into windows of about `windowRows` events each (an hour with more is a
 * window of its own), from one count per hour; hours without events are skipped.
 */
export async function exportWindows(storage: Storage, filters: ResolvedFilters, windowRows = EXPORT_WINDOW_ROWS): Promise<ExportWindow[]> {
  const scope = eventScope(filters, storage.database);
  const hours = await runQuery(
    storage,
    `WITH ${RANGE_HEAD}
     SELECT toUnixTimestamp64Milli(toDateTime64(toStartOfHour(ts), 3, 'UTC')) AS hour_ms, count() AS events
     FROM ${storage.database}.events
     WHERE ${scope.sql} AND ts >= range_from AND ts < range_to
     GROUP BY hour_ms ORDER BY hour_ms`,
    { ...scope.params },
    HourCountSchema,
  );
  const windows: ExportWindow[] = [];
  let current: { fromMs: number; toMs: number; events: number } | undefined;
  for (const hour of hours) {
    const start = Math.max(hour.hour_ms, filters.fromMs);
    const end = Math.min(hour.hour_ms + 3_600_000, filters.toMs);
    if (current && current.events + hour.events <= windowRows) {
      current.toMs = end;
      current.events += hour.events;
    } else {
      if (current) windows.push({ fromMs: current.fromMs, toMs: current.toMs });
      current = { fromMs: start, toMs: end, events: hour.events };
    }
  }
  if (current) windows.push({ fromMs: current.fromMs, toMs: current.toMs });
  // Consecutive windows meet: an event between two counted hours cannot fall through (there is none).
  return windows.map((window, index) => ({ fromMs: index === 0 ? filters.fromMs : window.fromMs, toMs: windows[index + 1]?.fromMs ?? filters.toMs }));
}

/** One window's query and its settings. */
export function exportEventsQuery(storage: Storage, filters: ResolvedFilters, format: ExportFormat, window: ExportWindow) {
  const db = storage.database;
  const scope = eventScope(filters, db);
  return {
    query: `WITH ${RANGE_HEAD}, ${SOURCE_FIELDS_SQL} AS source_fields
      SELECT ${format === "csv" ? CSV_LINE_SQL : NDJSON_LINE_SQL} AS line
      FROM ${db}.events
      WHERE ${scope.sql} AND ts >= range_from AND ts < range_to
        AND ts >= toDateTime64({windowFrom:Float64}, 3, 'UTC') AND ts < toDateTime64({windowTo:Float64}, 3, 'UTC')
      ORDER BY ts, event_id
      LIMIT 1 BY ts, event_id`,
    params: { ...scope.params, windowFrom: window.fromMs / 1000, windowTo: window.toMs / 1000 },
    // Each value as its bytes, nothing between them: the lines end themselves, so this is the file.
    format: "RawBLOB",
    settings: {
      // The client sets the pace: a slow download must not hit the report queries' time limit; a disconnect cancels.
      max_execution_time: 0,
      max_memory_usage: String(storage.querySettings.max_memory_usage ?? 0),
      max_block_size: EXPORT_BLOCK_ROWS,
      output_format_json_escape_forward_slashes: 0,
    },
  };
}

/**
 * The export's bytes, a few MiB at a time (the CSV header first), window after window. The first yield comes
 * once the first window is sorted, so a failure before it can still be answered as an error.
 */
export async function* exportEvents(
  storage: Storage,
  filters: ResolvedFilters,
  format: ExportFormat,
  signal?: AbortSignal,
  windowRows = EXPORT_WINDOW_ROWS,
): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = format === "csv" ? Buffer.from(csvLine(EXPORT_CSV_COLUMNS)) : undefined;
  for (const window of await exportWindows(storage, filters, windowRows)) {
    for await (const chunk of storage.streamQuery({ ...exportEventsQuery(storage, filters, format, window), ...(signal ? { signal } : {}) })) {
      if (chunk.byteLength === 0) continue;
      const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      // The header goes with the first lines, so it too waits for the first window's sort.
      yield head ? Buffer.concat([head, data]) : data;
      head = undefined;
    }
  }
  if (head) yield head;
}
