import { leadingTrue, stepRange, type AttemptOptions, type FunnelModeSql } from "./mode.js";

/**
 * Any order: nt{k}[i] = time of the first event at or after i matching step k (-1: none), built with
 * arrayReverseFill, so an attempt costs one lookup per step instead of a scan of the user's events. The start
 * at i (any matching event before `to`) reaches the steps whose first occurrence is within the window, as
 * long as they form a prefix including i's first step; step k completes when all of steps 1..k have occurred.
 */
function attemptsSql(n: number, _layout: unknown, _within: unknown, _exclusions: unknown, options: AttemptOptions = {}): string {
  const oks = stepRange(0, n).map((k) => `ok${k}`);
  const firstAt = stepRange(0, n).map((k) => `nt${k}[s]`);
  const lookups = `
    ${stepRange(0, n)
      .map((k) => `arrayReverseFill(x -> x >= 0, arrayMap((mm, tt) -> if(bitTest(mm, ${k}), tt, -1), m, t)) AS nt${k},`)
      .join("\n    ")}
    ${stepRange(0, n)
      .map((k) => `arrayMap((x, tt) -> x >= 0 AND x - tt <= {windowMs:Int64}, nt${k}, t) AS ok${k},`)
      .join("\n    ")}`;
  if (options.optional?.some(Boolean)) return lookups + optionalAttemptsSql(n, options.optional);
  return `${lookups}
    arrayMap((${oks.join(", ")}) -> toUInt8(${leadingTrue(oks)}), ${oks.join(", ")}) AS prefixes,
    arrayMap((mm, tt, p) -> if(mm != 0 AND tt < {toRelMs:Int64} AND bitCount(bitAnd(mm, -mm) - 1) < p, p, toUInt8(0)), m, t, prefixes) AS levels,
    arrayMax(levels) AS level,
    indexOf(levels, level) AS s,
    t[s] AS start_rel,
    arraySlice([${stepRange(0, n).map((k) => `greatest(${firstAt.slice(0, k + 1).join(", ")})`).join(", ")}], 1, level) AS completed`;
}

/**
 * With optional steps: a start takes step k (tk{k}) when step k and every required step before it occur
 * within the window; a skipped optional step does not stop the walk, a missing required one does. Its level
 * is its last taken step, and its first matched step must be among those before it (else another start covers
 * the set). The chosen start is the furthest, then the one taking step 1 rather than skipping it, then step 2,
 * … (a score: level above the taken flags, step 1 highest), then the earliest. A taken step completes when
 * every taken step up to it has occurred; a skipped one is -1 in `completed`.
 */
function optionalAttemptsSql(n: number, optional: boolean[]): string {
  const taken = stepRange(0, n).map((k) => `tk${k}`);
  const okList = (k: number) => stepRange(0, k + 1).map((j) => `ok${j}`);
  const takenSql = stepRange(0, n).map(
    (k) =>
      `arrayMap((${okList(k).join(", ")}) -> ${[...stepRange(0, k).filter((j) => !optional[j]), k].map((j) => `ok${j}`).join(" AND ")}, ${okList(k).join(", ")}) AS tk${k},`,
  );
  const levelOf = `greatest(${taken.map((tk, k) => `if(${tk}, ${k + 1}, 0)`).join(", ")})`;
  const flags = taken.map((tk, k) => `bitShiftLeft(toUInt64(${tk}), ${n - 1 - k})`).join(" + ");
  const completedAt = (k: number) => `if(tk${k}[s], greatest(${stepRange(0, k + 1).map((j) => `if(tk${j}[s], nt${j}[s], toInt64(-1))`).join(", ")}), toInt64(-1))`;
  return `
    ${takenSql.join("\n    ")}
    arrayMap((mm, tt, ${taken.join(", ")}) -> if(mm != 0 AND tt < {toRelMs:Int64} AND bitCount(bitAnd(mm, -mm) - 1) < ${levelOf},
        bitShiftLeft(toUInt64(${levelOf}), ${n}) + ${flags}, toUInt64(0)), m, t, ${taken.join(", ")}) AS scores,
    arrayMax(scores) AS best_score,
    toUInt8(bitShiftRight(best_score, ${n})) AS level,
    indexOf(scores, best_score) AS s,
    t[s] AS start_rel,
    arraySlice([${stepRange(0, n).map(completedAt).join(", ")}], 1, level) AS completed`;
}

/** Only matching events matter; one event may satisfy several steps, so ids are kept when types repeat. */
/** Step k's event: the first at or after the start that matches it (where nt{k}[s] found its time). */
function stepEventSql(k: number) {
  const at = `arrayFirstIndex((mm, i) -> i >= s AND bitTest(mm, ${k - 1}), m, arrayEnumerate(m))`;
  return { time: `t[${at}]`, mask: `m[${at}]` };
}

export const ANY: FunnelModeSql = { needsEventId: false, separators: false, attemptsSql, stepEventSql };
