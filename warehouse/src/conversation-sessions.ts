/**
 * The session fact's cut on conversation_slots rows (migration 12): the rollup paths of support and engagement
 * both cut sessions here, like sessions.ts does on user_slots and like the events path (proven in their paths
 * tests, tests/integration/support-paths.test.ts and engagement-paths.test.ts).
 *
 * A user's rows, sorted by (sessionId, slot, first event), are cut into sessions: a sessionId is one
 * session; loose rows (sessionId '', sorted first) start a new session at a slot whose first event comes
 * the project's timeout or more after the previous slot's last event. Several rows can hold pieces of one
 * slot (several bots, parts not merged yet): a slot never splits (the timeout is at least a slot wide when
 * this path is chosen, rollupCutsSessions), its first piece in that order has its first event, and the
 * lasts sorted by (sessionId, last) line up slot by slot with the rows, so the one before a slot's first
 * piece is the previous slot's last event.
 * Arrays are shifted rather than indexed inside lambdas: a lambda copies every array it captures per element.
 */

/** ms since the epoch of a DateTime64 column. */
export const epochMsSql = (column: string): string => `toUnixTimestamp64Milli(${column})`;

const previous = (array: string, first: string) => `arrayPushFront(arrayPopBack(${array}), ${first})`;

/** The cut's columns, each over the ones before it (the first over `slot_rows`); one text for both forms below. */
const CUT = {
  sids: "arrayMap(r -> r.1, slot_rows)",
  slots: "arrayMap(r -> r.2, slot_rows)",
  firsts: "arrayMap(r -> r.3, slot_rows)",
  prev_sids: previous("sids", "''"),
  lasts: "arraySort((l, k) -> (k, l), arrayMap(r -> r.4, slot_rows), arrayCumSum(arrayMap((s, p) -> toUInt32(s != p), sids, prev_sids)))",
  user_sessions: `arraySplit((r, sid, prev_sid, slot_, prev_slot, first, prev_last) -> sid != prev_sid
        OR (sid = '' AND slot_ != prev_slot AND first - prev_last >= session_gap_ms),
      slot_rows, sids, prev_sids, slots, ${previous("slots", "slots[1]")}, firsts, ${previous("lasts", "0")})`,
};

/**
 * Columns of a per-user aggregate over conversation_slots: `slot_rows` (the sorted row tuples) and
 * `user_sessions` (an array of sessions, each an array of row tuples). `row` is a tuple expression whose
 * first four elements are (session_id, slot, first event ms, last event ms); the rest are the caller's.
 * Expects `session_gap_ms` (sessionGapHead).
 */
export function slotSessionColumns(row: string): string {
  return `
    arraySort(groupArray(${row})) AS slot_rows,
    ${CUT.sids} AS sids,
    ${CUT.slots} AS slots,
    ${CUT.firsts} AS firsts,
    ${CUT.prev_sids} AS prev_sids,
    ${CUT.lasts} AS lasts,
    ${CUT.user_sessions} AS user_sessions`;
}

/**
 * The same cut as stacked SELECTs over `inner`, a per-user SELECT with a `slot_rows` column (arraySort of
 * groupArray of rows as above): selects `keep` (inner's other columns, comma-separated) and `user_sessions`.
 * Each stage reads the one below as columns: the analyzer copies an aliased expression at every use, so in
 * one SELECT every column of the cut carried its own copy of the aggregate and of the columns before it
 * (support's query tree was ~3.5 times as large, planning it ~100 ms of CPU at any data size).
 */
export function slotSessionsStaged(inner: string, keep: string): string {
  return `SELECT ${keep}, ${CUT.user_sessions} AS user_sessions
  FROM (
    SELECT ${keep}, slot_rows, sids, prev_sids, slots, firsts, ${CUT.lasts} AS lasts
    FROM (
      SELECT ${keep}, slot_rows, ${CUT.sids} AS sids, ${CUT.slots} AS slots, ${CUT.firsts} AS firsts, ${CUT.prev_sids} AS prev_sids
      FROM (${inner})))`;
}
