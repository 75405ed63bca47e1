/**
 * CSV for every report: one generic flattening of a JSON answer into one table, so a route added
 * later answers `format=csv` without code of its own (README "Decisions the design left open").
 *
 * - Nested objects become dotted columns: `revenue.amount`, `current.users`, `steps.filters.plan`.
 * - Arrays of objects become rows: one row per element, repeating the columns of every enclosing
 *   object, so each row reads on its own (a timeseries point carries `metric` and `currency`).
 *   Columns are full dotted paths without indices (`points.bucket`, `breakdowns.steps.users`).
 * - Sibling arrays of objects (`channels` and `otherCurrencies`, paths' `nodes` and `links`) are
 *   stacked, not crossed; when the rows come from more than one such array a leading `table`
 *   column names each row's array by that path (`steps`, `breakdowns.steps`, `otherCurrencies`).
 * - An empty array adds no rows; an object whose arrays are all empty is one row of its own figures.
 * - Arrays of scalars (`breakdown`, a broadcast's `channels`) are one cell holding their JSON text.
 * - Cells: null and absent are empty, numbers and booleans as JSON writes them, text RFC 4180-quoted
 *   with the formula guard below. Columns appear in the order the answer first shows them.
 */

export type CsvCell = string | number | boolean | null | undefined;

export const CSV_CONTENT_TYPE = "text/csv; charset=utf-8";

/** Text a spreadsheet would run as a formula: =, +, @, tab or CR first, or - unless the cell is a plain number. */
const FORMULA_START = /^[=+@\t\r-]/;
const PLAIN_NEGATIVE_NUMBER = /^-[0-9]+(\.[0-9]+)?$/;

/**
 * One RFC 4180 field. Text that would start a formula gets a leading ' so it shows as text;
 * negative numeric text such as a VK chat id (-123) stays as it is, as a JSON number does.
 */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  const safe = FORMULA_START.test(value) && !PLAIN_NEGATIVE_NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A CSV line ended by CRLF (RFC 4180). */
export function csvLine(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

export interface CsvTable {
  columns: string[];
  rows: CsvCell[][];
}

type Record_ = Record<string, CsvCell>;
interface FlatRow {
  table: string;
  cells: Record_;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** The rows of one object: its own figures once, times the rows of each array of objects inside it. */
function flatten(value: Record<string, unknown>, prefix: string, table: string, columns: Set<string>): FlatRow[] {
  const own: Record_ = {};
  const arrays: Array<[string, Array<Record<string, unknown>>]> = [];
  const walk = (object: Record<string, unknown>, path: string) => {
    for (const [key, field] of Object.entries(object)) {
      const name = path === "" ? key : `${path}.${key}`;
      if (Array.isArray(field)) {
        if (field.length > 0 && field.every(isObject)) arrays.push([name, field]);
        else if (field.length > 0) setCell(own, columns, name, JSON.stringify(field));
      } else if (isObject(field)) {
        walk(field, name);
      } else if (field !== undefined) {
        setCell(own, columns, name, field as CsvCell);
      }
    }
  };
  walk(value, prefix);
  if (arrays.length === 0) return [{ table, cells: own }];
  return arrays.flatMap(([name, elements]) =>
    elements.flatMap((element) => flatten(element, name, name, columns).map((row) => ({ table: row.table, cells: { ...own, ...row.cells } }))),
  );
}

function setCell(cells: Record_, columns: Set<string>, name: string, value: CsvCell): void {
  columns.add(name);
  cells[name] = typeof value === "object" && value !== null ? JSON.stringify(value) : value;
}

/** The one table of a report answer (see the module comment). */
export function reportTable(answer: unknown): CsvTable {
  const columns = new Set<string>();
  // Every report answers an object; a bare list or value still makes one table.
  const root = isObject(answer) ? answer : { [Array.isArray(answer) && answer.every(isObject) ? "rows" : "value"]: answer };
  const rows = flatten(root, "", "", columns);
  const names = [...columns];
  const stacked = new Set(rows.map((row) => row.table)).size > 1;
  return {
    columns: stacked ? ["table", ...names] : names,
    rows: rows.map((row) => {
      const cells = names.map((name) => row.cells[name]);
      return stacked ? [row.table, ...cells] : cells;
    }),
  };
}

export function csvText(table: CsvTable): string {
  return csvLine(table.columns) + table.rows.map(csvLine).join("");
}

export function reportCsv(answer: unknown): string {
  return csvText(reportTable(answer));
}
