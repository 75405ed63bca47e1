import { z } from "zod";
import { SPEND_CSV_COLUMNS, SpendImportEnvelopeSchema, SpendRowSchema, type SpendLineError, type SpendRow } from "@chatfunnel/schemas";

export type SpendParse = { ok: true; rows: SpendRow[] } | { ok: false; errors: SpendLineError[] };

/**
 * Validates every line before anything is stored: an import is all or nothing. Two lines with the
 * same (date, channel, campaign) in one import are an error, since one would silently replace the other.
 */
export function validateSpendLines(lines: { line: number; value: unknown }[]): SpendParse {
  const errors: SpendLineError[] = [];
  const rows: SpendRow[] = [];
  const seen = new Map<string, number>();
  for (const { line, value } of lines) {
    const parsed = SpendRowSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push({ line, field: issue.path.map(String).join(".") || "(row)", message: issue.message });
      continue;
    }
    const key = JSON.stringify([parsed.data.date, parsed.data.channel, parsed.data.campaign ?? ""]);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      errors.push({ line, field: "(row)", message: `repeats the date, channel and campaign of line ${earlier}` });
      continue;
    }
    seen.set(key, line);
    rows.push(parsed.data);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rows };
}

/** JSON body `{"rows": [...]}`: line n is rows[n - 1]. */
export function parseSpendJson(body: unknown): SpendParse {
  const envelope = SpendImportEnvelopeSchema.safeParse(body);
  if (!envelope.success) {
    return { ok: false, errors: envelope.error.issues.map((issue) => ({ line: 1, field: issue.path.map(String).join(".") || "(body)", message: issue.message })) };
  }
  return validateSpendLines(envelope.data.rows.map((value, index) => ({ line: index + 1, value })));
}

/** Splits CSV text into records of cells (RFC 4180: quotes, "" escapes, CRLF), with each record's first line. */
export function splitCsv(text: string): { line: number; cells: string[] }[] | { error: SpendLineError } {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let cellStarted = false;
  const endRecord = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === "" && !cellStarted)) records.push({ line: recordLine, cells });
    cells = [];
    cell = "";
    cellStarted = false;
  };
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // spreadsheet BOM
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (quoted) {
      if (ch === '"' && source[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else {
        if (ch === "\n") line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === "") (quoted = true), (cellStarted = true);
    else if (ch === ",") cells.push(cell), (cell = ""), (cellStarted = true);
    else if (ch === "\r" && source[i + 1] === "\n") continue;
    else if (ch === "\n" || ch === "\r") {
      endRecord();
      line++;
      recordLine = line;
    } else (cell += ch), (cellStarted = true);
  }
  if (quoted) return { error: { line: recordLine, field: "(row)", message: "has a quote that is never closed" } };
  endRecord();
  return records;
}

const CsvHeaderSchema = z.array(z.string());
const NUMBER_TEXT = /^\s*\d+(\.\d+)?\s*$/;

/**
 * text/csv with the header `date,channel,campaign,amount,currency` (any order; campaign optional).
 * Line numbers are the file's, the header being line 1; an empty campaign cell means none.
 */
export function parseSpendCsv(text: string, maxRows: number): SpendParse {
  const split = splitCsv(text);
  if ("error" in split) return { ok: false, errors: [split.error] };
  const [header, ...records] = split;
  if (!header) return { ok: false, errors: [{ line: 1, field: "(header)", message: `must start with the header ${SPEND_CSV_COLUMNS.join(",")}` }] };
  const columns = CsvHeaderSchema.parse(header.cells.map((cell) => cell.trim().toLowerCase()));
  const headerErrors: SpendLineError[] = [];
  for (const column of columns) {
    if (!(SPEND_CSV_COLUMNS as readonly string[]).includes(column)) headerErrors.push({ line: header.line, field: column || "(header)", message: `is not a column; expected ${SPEND_CSV_COLUMNS.join(",")}` });
  }
  for (const required of SPEND_CSV_COLUMNS) {
    if (required !== "campaign" && !columns.includes(required)) headerErrors.push({ line: header.line, field: required, message: "column is missing from the header" });
  }
  if (new Set(columns).size !== columns.length) headerErrors.push({ line: header.line, field: "(header)", message: "names a column twice" });
  if (headerErrors.length > 0) return { ok: false, errors: headerErrors };
  if (records.length === 0) return { ok: false, errors: [{ line: 2, field: "(row)", message: "no rows after the header" }] };
  if (records.length > maxRows) return { ok: false, errors: [{ line: (records[maxRows]?.line ?? 2), field: "(row)", message: `at most ${maxRows} rows per import` }] };
  const shapeErrors: SpendLineError[] = [];
  const lines = records.map(({ line, cells }) => {
    if (cells.length !== columns.length) shapeErrors.push({ line, field: "(row)", message: `has ${cells.length} cells; the header has ${columns.length}` });
    const value: Record<string, unknown> = {};
    columns.forEach((column, index) => {
      const cell = (cells[index] ?? "").trim();
      if (column === "campaign") {
        if (cell !== "") value.campaign = cell;
      } else if (column === "amount") {
        value.amount = NUMBER_TEXT.test(cell) ? Number(cell) : cell;
      } else value[column] = cell;
    });
    return { line, value };
  });
  const checked = validateSpendLines(lines.filter((entry) => !shapeErrors.some((error) => error.line === entry.line)));
  if (shapeErrors.length === 0) return checked;
  const all = [...shapeErrors, ...(checked.ok ? [] : checked.errors)].sort((a, b) => a.line - b.line);
  return { ok: false, errors: all };
}
