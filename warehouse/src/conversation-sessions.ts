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

/**
 * Columns of a per-user aggregate over conversation_slots: `slot_rows` (the sorted row tuples) and
 * `user_sessions` (an array of sessions, each an array of row tuples). `row` is a tuple expression whose
 * first four elements are (session_id, slot, first event ms, last event ms); the rest are the caller's.
 * Expects `session_gap_ms` (sessionGapHead).
 */
export function slotSessionColumns(row: string): string {
  const previous = (array: string, first: string) => `arrayPushFront(arrayPopBack(${array}), ${first})`;
  return `
    arraySort(groupArray(${row})) AS slot_rows,
    arrayMap(r -> r.1, slot_rows) AS sids,
    arrayMap(r -> r.2, slot_rows) AS slots,
    arrayMap(r -> r.3, slot_rows) AS firsts,
    ${previous("sids", "''")} AS prev_sids,
    arraySort((l, k) -> (k, l), arrayMap(r -> r.4, slot_rows), arrayCumSum(arrayMap((s, p) -> toUInt32(s != p), sids, prev_sids))) AS lasts,
    arraySplit((r, sid, prev_sid, slot_, prev_slot, first, prev_last) -> sid != prev_sid
        OR (sid = '' AND slot_ != prev_slot AND first - prev_last >= session_gap_ms),
      slot_rows, sids, prev_sids, slots, ${previous("slots", "slots[1]")}, firsts, ${previous("lasts", "0")}) AS user_sessions`;
}
