/**
 * What an engine error blames. Rows: the same rows fail the same way forever, so retrying them
 * would stall a partition or answer 503 for ever; the writer splits the insert until it has the
 * rows to refuse and stores the rest. Dependency: network, timeouts, too many parts, memory, a
 * full disk, a server restarting, a missing table after a bad deploy; retried without refusing
 * or committing anything, which never loses data. When in doubt an error is the dependency's:
 * a wrong "retry" delays, a wrong "rows" would refuse good events.
 */
export type InsertFailure = "rows_rejected" | "retry";

/** Codes that blame the rows themselves: parsing and conversion of one value. */
const ROW_ERROR_CODES = new Set([
  "6", // CANNOT_PARSE_TEXT
  "25", // CANNOT_PARSE_ESCAPE_SEQUENCE: a lone surrogate in a JSON string
  "26", // CANNOT_PARSE_QUOTED_STRING
  "27", // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  "38", // CANNOT_PARSE_DATE
  "41", // CANNOT_PARSE_DATETIME
  "53", // TYPE_MISMATCH
  "69", // ARGUMENT_OUT_OF_BOUND (too many digits for a Decimal)
  "70", // CANNOT_CONVERT_TYPE
  "72", // CANNOT_PARSE_NUMBER
  "117", // INCORRECT_DATA
  "131", // TOO_LARGE_STRING_SIZE
  "349", // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  "376", // CANNOT_PARSE_UUID
  "407", // DECIMAL_OVERFLOW
]);

/** Codes that blame the engine or what is around it, whatever their message says. */
const DEPENDENCY_CODES = new Set([
  "60", // UNKNOWN_TABLE
  "74", // CANNOT_READ_FROM_FILE_DESCRIPTOR
  "75", // CANNOT_WRITE_TO_FILE_DESCRIPTOR
  "81", // UNKNOWN_DATABASE
  "159", // TIMEOUT_EXCEEDED
  "164", // READONLY
  "202", // TOO_MANY_SIMULTANEOUS_QUERIES
  "209", // SOCKET_TIMEOUT
  "210", // NETWORK_ERROR
  "236", // ABORTED
  "241", // MEMORY_LIMIT_EXCEEDED
  "242", // TABLE_IS_READ_ONLY
  "243", // NOT_ENOUGH_SPACE
  "252", // TOO_MANY_PARTS (merges behind); the per-insert partition limit is matched by message first
  "425", // SYSTEM_ERROR
  "1000", // POCO_EXCEPTION
  "1001", // STD_EXCEPTION
]);

/**
 * chDB and the HTTP client sometimes hand over an error without a code (a message only), so the
 * message is read too. Dependency words win over row words: "Cannot write to file ... (at row 5)"
 * is a full disk, not a bad row.
 */
const DEPENDENCY_MESSAGE =
  /not enough space|no space left|disk|too many parts|memory limit|cannot allocate|timeout|timed out|socket|network|connection|ECONN|EPIPE|read-only|readonly|cannot write to file|cannot open file|cannot read from file|unknown table|unknown database|doesn't exist|does not exist/i;
const ROW_MESSAGE =
  /\(at row \d+\)|while reading the value of key|cannot parse|escape sequence|surrogate|too many digits|decimal (?:math )?overflow|type mismatch|cannot convert|invalid utf-?8|too large string/i;
/** A refusal of the insert's shape, not of a row: any smaller piece of the same rows is stored. */
const SPLITTABLE_MESSAGE = /too many partitions for single insert block/i;

export function classifyInsertError(error: unknown): InsertFailure {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // Splitting cures it and a single row can never hit it, so it may take the rows path safely.
  if (SPLITTABLE_MESSAGE.test(message)) return "rows_rejected";
  if (typeof code === "string" && code !== "") {
    if (DEPENDENCY_CODES.has(code)) return "retry";
    if (ROW_ERROR_CODES.has(code)) return "rows_rejected";
  }
  if (DEPENDENCY_MESSAGE.test(message)) return "retry";
  return ROW_MESSAGE.test(message) ? "rows_rejected" : "retry";
}

/**
 * The 1-based row of the insert the engine names ("(at row 3501)"), when it names one: the
 * writer tries that row alone first instead of halving blindly. Only a hint: every piece is
 * inserted and checked again, so a wrong number costs an insert, never a row.
 */
export function blamedRow(error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const match = /\(at row (\d+)\)/.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** The column the engine was reading when it refused a row ("while reading the value of key user_id"). */
export function blamedColumn(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  return /while reading the value of key ([A-Za-z0-9_]+)/.exec(message)?.[1];
}

/** The engine's own words without its stack and pipeline noise, for a sender or a DLQ header. */
export function insertErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const words = message.split(/\. In JSON input formats|: \(while reading|: \(at row|: While executing|\n/)[0]!;
  return words.slice(0, 500);
}
