import { keyMaskSql, keyMatchesSql, keyTimeSql, type KeyLayout } from "../keys.js";
import { leadingTrue, stepRange, type FunnelModeSql } from "./mode.js";

/**
 * Ordered: a greedy chain per start, one step at a time, on the keys themselves. Keys are distinct and sorted
 * like the events, so "the next event matching step k after the one chosen for step k-1" is the first key of
 * step k greater than that key (arrayFirst gives 0, never a key, when there is none). p{k}, the keys of step
 * k, and c{k}, the key reached at step k for every start, are short; the only captures are per start.
 * (Positions looked up in arrayReverseFill'ed "next position" arrays cost ~120 ms more on 10M events.)
 * A start is an event matching step 1 before `to`; ok{k} says its chain reached step k+1 within the window.
 */
function attemptsSql(n: number, layout: KeyLayout): string {
  const time = (key: string) => keyTimeSql(layout, key);
  const chains = stepRange(1, n).map((k) => `c${k}`);
  const oks = chains.map((_, j) => `ok${j + 1}`);
  return `
    arrayFilter(x -> ${keyMatchesSql(layout, "x", 0)} AND ${time("x")} < {toRelMs:Int64}, keys) AS c0,
    ${stepRange(1, n)
      .map((k) => `arrayFilter(x -> ${keyMatchesSql(layout, "x", k)}, keys) AS p${k},
    arrayMap(c -> if(c = 0, 0, arrayFirst(x -> x > c, p${k})), c${k - 1}) AS c${k},
    arrayMap((c, ck) -> ck != 0 AND ${time("ck")} - ${time("c")} <= {windowMs:Int64}, c0, c${k}) AS ok${k},`)
      .join("\n    ")}
    arrayMap((${["c", ...oks].join(", ")}) -> toUInt8(1 + ${leadingTrue(oks)}), ${["c0", ...oks].join(", ")}) AS levels,
    arrayMax(levels) AS level,
    indexOf(levels, level) AS chosen,
    ${time("c0[chosen]")} AS start_rel,
    arrayMap(x -> ${time("x")}, arraySlice([${["c0", ...chains].map((c) => `${c}[chosen]`).join(", ")}], 1, level)) AS completed`;
}

/** Other events between steps do not matter, so only matching events are read, and ids only when types repeat. */
/** The chain's key for step k: c{k-1} at the chosen start. */
const stepEventSql = (k: number, layout: KeyLayout) => ({ time: keyTimeSql(layout, `c${k - 1}[chosen]`), mask: keyMaskSql(layout, `c${k - 1}[chosen]`) });

export const ORDERED: FunnelModeSql = { needsEventId: false, separators: false, attemptsSql, stepEventSql };
