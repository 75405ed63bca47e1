import type { FunnelBreakdown, FunnelMode } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "../../http/params.js";
import { scopeParams, scopeSql } from "../scope.js";
import type { FunnelDefinition } from "./definition.js";
import { stepMaskSql } from "./step-conditions.js";

/**
 * The per-user half of a funnel: one row per user who entered it, with the furthest step reached (`level`),
 * the start of the chosen attempt (`start_rel`) and when each step 1..level was completed (`completed`), all
 * in ms relative to `from`. The semantics are documented in schemas/src/api/funnel.ts.
 *
 * How: each user's events in [from, to + window) become one sorted array of UInt128 keys
 *   ts − from (39 bits: ranges ≤ 3660 days + window ≤ 90 days fit) | first step matched (5 bits; 31 = none)
 *   | steps matched (20 bits) | cityHash64(event id) (64 bits),
 * so sorting orders by time, then ties by the steps they match (earlier steps first, non-matching events
 * last), and identical keys are the same event stored twice. Deduplicating there instead of reading with
 * FINAL halves the cost of the scan (measured on 10M events); a resend carries the same id and content.
 * When no two steps share an event type (ordered and any modes), an event matches at most one step, and then
 * events equal in time and steps are interchangeable copies whatever their ids: a chain uses at most one of
 * them and starts at any of them are the same attempt. The key then drops the id and fits a UInt64
 *   ts − from (39 bits) | first step matched (5 bits) | steps matched (20 bits),
 * and collapsing equal keys is exact without the id: the scan skips the UUID column, the widest it reads, and
 * sorts 8-byte keys (default funnel on 10M events: ~545 → ~430 ms for this query). Strict mode keeps the id:
 * there a second copy between two steps ends the attempt, and a resent copy must not.
 * In strict mode only matching events get keys; the others are bare times (separators). The attempt logic
 * then runs on small arrays per user (see attemptsSql): in ordered mode the keys of each step, searched for the
 * first one after the previous step's key; in any mode "first occurrence at or after position p" arrays built
 * with arrayReverseFill, so an attempt costs one lookup per step instead of a scan of the user's events.
 */

/** Bit positions of the key's fields: with the event id's hash (UInt128) or without it (UInt64). */
const KEY_LAYOUTS = {
  withId: { type: "UInt128", ts: 89, firstStep: 84, mask: 64 },
  withoutId: { type: "UInt64", ts: 25, firstStep: 20, mask: 0 },
} as const;
type KeyLayout = (typeof KEY_LAYOUTS)[keyof typeof KEY_LAYOUTS];
const MASK_BITS = 0xfffff;

/**
 * First-touch values per user: earliest by (time, event id as text), like the campaign filter in scope.ts.
 * The id's text is only needed on rows that have a value: if() evaluates it lazily, on those rows alone.
 */
const DIMENSION_AGGREGATES: Record<Exclude<FunnelBreakdown, "channel">, string> = {
  campaign: "argMinIf(source_campaign, (ts, if(source_campaign != '', toString(event_id), '')), source_campaign != '')",
  source: "argMinIf(source_source, (ts, if(source_source != '', toString(event_id), '')), source_source != '')",
  botId: "argMin(bot_id, (ts, toString(event_id)))",
};

/** Output column of each breakdown dimension: identifiers come only from this allow-list. */
export const DIMENSION_COLUMNS: Record<FunnelBreakdown, string> = {
  channel: "channel",
  campaign: "d_campaign",
  source: "d_source",
  botId: "d_bot",
};

const steps = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, index) => from + index);
/** `o0 + (o0 AND o1) + …`: how many of the flags hold before the first that does not. */
const leadingTrue = (names: string[]) => names.map((_, k) => `(${names.slice(0, k + 1).join(" AND ")})`).join(" + ") || "0";

/**
 * Per mode: from the user's sorted, distinct keys (and arrays t, time, and m, steps matched, taken from them)
 * produce level, start_rel and completed. Lambdas that capture a whole array copy it once per element, so
 * strict and any work elementwise on shifted or filled copies of the arrays, with one expression per step
 * written out (n ≤ 20).
 */
function attemptsSql(mode: FunnelMode, n: number, layout: KeyLayout): string {
  const time = (key: string) => `toInt64(bitShiftRight(${key}, ${layout.ts}))`;
  // bitTest has no UInt128 version: test the low 32 bits from the mask's position on (mask, then first step).
  const matches = (key: string, k: number) => `bitTest(toUInt32(bitShiftRight(${key}, ${layout.mask})), ${k})`;
  if (mode === "ordered") {
    // A greedy chain per start, one step at a time, on the keys themselves: keys are distinct and sorted like
    // the events, so "the next event matching step k after the one chosen for step k-1" is the first key of
    // step k greater than that key (arrayFirst gives 0, never a key, when there is none). p{k}, the keys of
    // step k, and c{k}, the key reached at step k for every start, are short; the only captures are per start.
    // (Positions looked up in arrayReverseFill'ed "next position" arrays cost ~120 ms more on 10M events.)
    const chains = steps(1, n).map((k) => `c${k}`);
    const oks = chains.map((_, j) => `ok${j + 1}`);
    return `
    arrayFilter(x -> ${matches("x", 0)} AND ${time("x")} < {toRelMs:Int64}, keys) AS c0,
    ${steps(1, n)
      .map((k) => `arrayFilter(x -> ${matches("x", k)}, keys) AS p${k},
    arrayMap(c -> if(c = 0, 0, arrayFirst(x -> x > c, p${k})), c${k - 1}) AS c${k},
    arrayMap((c, ck) -> ck != 0 AND ${time("ck")} - ${time("c")} <= {windowMs:Int64}, c0, c${k}) AS ok${k},`)
      .join("\n    ")}
    arrayMap((${["c", ...oks].join(", ")}) -> toUInt8(1 + ${leadingTrue(oks)}), ${["c0", ...oks].join(", ")}) AS levels,
    arrayMax(levels) AS level,
    indexOf(levels, level) AS chosen,
    ${time("c0[chosen]")} AS start_rel,
    arrayMap(x -> ${time("x")}, arraySlice([${["c0", ...chains].map((c) => `${c}[chosen]`).join(", ")}], 1, level)) AS completed`;
  }
  if (mode === "strict") {
    // Matching events only; seps holds the times of the others. sep_before[j] counts those sorting before
    // matching event j (at equal times they sort last: 2t+1 > 2t), so nothing lies between j and j+k exactly
    // when sep_before is equal at both. ok{k}[i]: the event k places after i completes step k+1 of a start at i.
    const oks = steps(1, n).map((k) => `ok${k}`);
    return `
    arraySort(arrayConcat(arrayMap(x -> x * 2, t), arrayMap(x -> x * 2 + 1, seps))) AS merged,
    arrayFilter((c, v) -> v % 2 = 0, arrayCumSum(arrayMap(v -> v % 2, merged)), merged) AS sep_before,
    ${steps(1, n)
      .map((k) => `arrayMap((mk, t0, tk, b0, bk) -> bitTest(mk, ${k}) AND tk - t0 <= {windowMs:Int64} AND bk = b0, arrayShiftLeft(m, ${k}), t, arrayShiftLeft(t, ${k}), sep_before, arrayShiftLeft(sep_before, ${k})) AS ok${k},`)
      .join("\n    ")}
    arrayMap((mm, tt${oks.map((o) => `, ${o}`).join("")}) -> if(bitTest(mm, 0) AND tt < {toRelMs:Int64}, toUInt8(1 + ${leadingTrue(oks)}), toUInt8(0)), m, t${oks.map((o) => `, ${o}`).join("")}) AS levels,
    arrayMax(levels) AS level,
    indexOf(levels, level) AS s,
    t[s] AS start_rel,
    arraySlice(t, s, level) AS completed`;
  }
  // any: nt{k}[i] = time of the first event at or after i matching step k (-1: none); the start at i reaches
  // the steps whose first occurrence is within the window, as long as they form a prefix including i's step.
  const oks = steps(0, n).map((k) => `ok${k}`);
  const firstAt = steps(0, n).map((k) => `nt${k}[s]`);
  return `
    ${steps(0, n)
      .map((k) => `arrayReverseFill(x -> x >= 0, arrayMap((mm, tt) -> if(bitTest(mm, ${k}), tt, -1), m, t)) AS nt${k},`)
      .join("\n    ")}
    ${steps(0, n)
      .map((k) => `arrayMap((x, tt) -> x >= 0 AND x - tt <= {windowMs:Int64}, nt${k}, t) AS ok${k},`)
      .join("\n    ")}
    arrayMap((${oks.join(", ")}) -> toUInt8(${leadingTrue(oks)}), ${oks.join(", ")}) AS prefixes,
    arrayMap((mm, tt, p) -> if(mm != 0 AND tt < {toRelMs:Int64} AND bitCount(bitAnd(mm, -mm) - 1) < p, p, toUInt8(0)), m, t, prefixes) AS levels,
    arrayMax(levels) AS level,
    indexOf(levels, level) AS s,
    t[s] AS start_rel,
    arraySlice([${steps(0, n).map((k) => `greatest(${firstAt.slice(0, k + 1).join(", ")})`).join(", ")}], 1, level) AS completed`;
}

export interface UserFunnelsQuery {
  sql: string;
  params: Record<string, unknown>;
}

export function userFunnelsSql(db: string, filters: ResolvedFilters, definition: FunnelDefinition): UserFunnelsQuery {
  const mask = stepMaskSql(definition.steps);
  const windowMs = definition.window * 1000;
  const firstTouch = definition.breakdown.filter((d): d is Exclude<FunnelBreakdown, "channel"> => d !== "channel");
  const strict = definition.mode === "strict";
  const layout = strict || new Set(definition.steps.map((step) => step.type)).size < definition.steps.length ? KEY_LAYOUTS.withId : KEY_LAYOUTS.withoutId;
  const keySql = [
    `bitShiftLeft(to${layout.type}(greatest(0, toUnixTimestamp64Milli(ts) - {fromMs:Int64})), ${layout.ts})`,
    `bitShiftLeft(to${layout.type}(if(mask = 0, 31, bitCount(bitAnd(mask, -mask) - 1))), ${layout.firstStep})`,
    `bitShiftLeft(to${layout.type}(mask), ${layout.mask})`,
    ...(layout === KEY_LAYOUTS.withId ? ["toUInt128(cityHash64(event_id))"] : []),
  ].reduce((left, right) => `bitOr(${left},\n          ${right})`);
  const inRange = "ts >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({endMs:Int64}, 'UTC')";
  // First-touch values look at all of the user's events, and strict needs the others' times as separators:
  // then the scan widens and each array picks its rows by If.
  const narrow = firstTouch.length === 0 && !strict;
  // `type IN` repeats what mask != 0 says in a form the engine can apply first, on the cheap type column.
  const where = firstTouch.length > 0 ? scopeSql(filters, db) : `${scopeSql(filters, db)} AND ${inRange}${strict ? "" : " AND type IN {stepTypes:Array(String)} AND mask != 0"}`;
  const keys = narrow ? "groupArray(key)" : `groupArrayIf(key, ${inRange} AND mask != 0)`;
  // A separator's duplicates change nothing (one event between is enough), so they need no id and no dedup.
  const seps = strict ? `groupArrayIf(toUnixTimestamp64Milli(ts) - {fromMs:Int64}, ${inRange} AND mask = 0) AS seps, ` : "";
  const dims = firstTouch.map((d) => `${DIMENSION_AGGREGATES[d]} AS ${DIMENSION_COLUMNS[d]}`);
  const dimColumns = firstTouch.map((d) => DIMENSION_COLUMNS[d]);
  const sql = `
SELECT channel, user_id, ${[...dimColumns, ""].join(", ")}level, start_rel, completed FROM (
  SELECT channel, user_id, ${[...dimColumns, ""].join(", ")}${strict ? "seps, " : ""}
    arrayMap(x -> toInt64(bitShiftRight(x, ${layout.ts})), keys) AS t,
    arrayMap(x -> toUInt32(bitAnd(bitShiftRight(x, ${layout.mask}), ${MASK_BITS})), keys) AS m,
    ${attemptsSql(definition.mode, definition.steps.length, layout)}
  FROM (
    SELECT channel, user_id, ${[...dims, ""].join(", ")}${seps}arrayCompact(arraySort(${keys})) AS keys
    FROM (
      SELECT channel, user_id, ts, event_id, bot_id, source_campaign, source_source,
        ${mask.sql} AS mask,
        ${keySql} AS key
      FROM ${db}.events
      WHERE ${where}
    )
    GROUP BY channel, user_id
  )
)
WHERE level > 0`;
  return {
    sql,
    params: {
      ...scopeParams(filters),
      ...mask.params,
      n: definition.steps.length,
      stepTypes: [...new Set(definition.steps.map((step) => step.type))],
      windowMs,
      fromMs: filters.fromMs,
      toRelMs: filters.toMs - filters.fromMs,
      endMs: filters.toMs + windowMs,
    },
  };
}
