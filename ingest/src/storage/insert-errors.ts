/**
 * ClickHouse error codes that blame the rows themselves: the same rows fail the same way forever,
 * so retrying them would stall the partition. Everything else (network, timeouts, too many parts,
 * memory, a server restarting, a missing table after a bad deploy) is the dependency's problem and
 * is retried without committing, which never loses data.
 */
const ROW_ERROR_CODES = new Set([
  "6", // CANNOT_PARSE_TEXT
  "26", // CANNOT_PARSE_QUOTED_STRING
  "27", // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  "38", // CANNOT_PARSE_DATE
  "41", // CANNOT_PARSE_DATETIME
  "53", // TYPE_MISMATCH
  "69", // ARGUMENT_OUT_OF_BOUND
  "70", // CANNOT_CONVERT_TYPE
  "72", // CANNOT_PARSE_NUMBER
  "117", // INCORRECT_DATA
  "131", // TOO_LARGE_STRING_SIZE
  "376", // CANNOT_PARSE_UUID
  "407", // DECIMAL_OVERFLOW
]);

export type InsertFailure = "rows_rejected" | "retry";

export function classifyInsertError(error: unknown): InsertFailure {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && ROW_ERROR_CODES.has(code) ? "rows_rejected" : "retry";
}
