import { leadingTrue, stepRange, type FunnelModeSql } from "./mode.js";

/**
 * Any order: nt{k}[i] = time of the first event at or after i matching step k (-1: none), built with
 * arrayReverseFill, so an attempt costs one lookup per step instead of a scan of the user's events. The start
 * at i (any matching event before `to`) reaches the steps whose first occurrence is within the window, as
 * long as they form a prefix including i's first step; step k completes when all of steps 1..k have occurred.
 */
function attemptsSql(n: number): string {
  const oks = stepRange(0, n).map((k) => `ok${k}`);
  const firstAt = stepRange(0, n).map((k) => `nt${k}[s]`);
  return `
    ${stepRange(0, n)
      .map((k) => `arrayReverseFill(x -> x >= 0, arrayMap((mm, tt) -> if(bitTest(mm, ${k}), tt, -1), m, t)) AS nt${k},`)
      .join("\n    ")}
    ${stepRange(0, n)
      .map((k) => `arrayMap((x, tt) -> x >= 0 AND x - tt <= {windowMs:Int64}, nt${k}, t) AS ok${k},`)
      .join("\n    ")}
    arrayMap((${oks.join(", ")}) -> toUInt8(${leadingTrue(oks)}), ${oks.join(", ")}) AS prefixes,
    arrayMap((mm, tt, p) -> if(mm != 0 AND tt < {toRelMs:Int64} AND bitCount(bitAnd(mm, -mm) - 1) < p, p, toUInt8(0)), m, t, prefixes) AS levels,
    arrayMax(levels) AS level,
    indexOf(levels, level) AS s,
    t[s] AS start_rel,
    arraySlice([${stepRange(0, n).map((k) => `greatest(${firstAt.slice(0, k + 1).join(", ")})`).join(", ")}], 1, level) AS completed`;
}

/** Only matching events matter; one event may satisfy several steps, so ids are kept when types repeat. */
/** Step k's event: the first at or after the start that matches it (where nt{k}[s] found its time). */
function stepEventSql(k: number) {
  const at = `arrayFirstIndex((mm, i) -> i >= s AND bitTest(mm, ${k - 1}), m, arrayEnumerate(m))`;
  return { time: `t[${at}]`, mask: `m[${at}]` };
}

export const ANY: FunnelModeSql = { needsEventId: false, separators: false, attemptsSql, stepEventSql };
