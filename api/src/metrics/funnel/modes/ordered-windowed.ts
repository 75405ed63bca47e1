import { stepRange, type FunnelModeSql } from "./mode.js";

/**
 * Ordered with per-step windows: existential (schemas/src/api/funnel.ts). Greedy earliest matching is wrong
 * here — an early step-2 event can be too far from every step-3 event when a later one is not — so the
 * furthest step and the chain come from two passes over the user's events, one array per step each:
 *
 * Forward, b{k}[i]: the latest start from which some chain reaches step k+1 at event i (-1: none). For the
 * steps after, only that start matters (a later start leaves more of the window) and i's own time, and b{k}
 * never decreases along the events that have one; so the best predecessor of i is the LAST earlier event with
 * b{k-1}, which an arrayFill carries forward: one pass per step, no search. The furthest step is the last
 * k with any b{k}.
 *
 * Backward, for that furthest step L, g{k}[i]: the earliest time step L can be completed by a chain through
 * i at step k+1 (-1: none), by the mirror argument the FIRST later event with g{k+1}, carried by
 * arrayReverseFill. The attempt is the earliest start s with g0[s] − t[s] ≤ window, and its chain the first
 * later event with g at each step: the earliest chain position by position. Without per-step windows this is
 * the greedy chain, which ordered.ts computes faster; this module is only used when a step has one, or the
 * funnel an exclusion.
 */
/** An exclusion's range of steps (1-based, resolved); its events' sorted times are the column ex<x>. */
export interface ExclusionRange {
  fromStep: number;
  toStep: number;
}

/**
 * Exclusions are pair constraints too: no excluded event strictly between the times of steps j and j+1 is
 * lt<x>[i] ≤ le<x>[p] (excluded events before i's time ≤ those at or before p's). Not "=": when p and i share
 * their instant, excluded events at that instant count in le but not in lt, and nothing is between. It holds
 * at least as well for a later predecessor p, so the passes below carry le<x> of the predecessor (forward) and
 * lt<x> of the successor (backward) beside its time and keep their single-fill shape.
 */
function carried(exclusions: ExclusionRange[], names: string): { tuple: string; none: string; args: string } {
  const columns = exclusions.map((_, x) => `${names}${x}`);
  return {
    tuple: columns.length === 0 ? "" : `, ${columns.join(", ")}`,
    none: `(toInt64(-1), toInt64(-1)${exclusions.map(() => ", toUInt64(0)").join("")})`,
    args: columns.length === 0 ? "" : `, ${columns.join(", ")}`,
  };
}

/** Exclusions on the pair (step `earlier`, step earlier + 1), 1-based. */
const applying = (exclusions: ExclusionRange[], earlier: number) => exclusions.flatMap((x, i) => (x.fromStep <= earlier && earlier + 1 <= x.toStep ? [i] : []));

// One place over, the empty tuple coming in; arraySlice keeps an empty array empty (a user whose scan had only
// first-touch rows), where push-and-pop would make it one long.
const shiftRight = (array: string, none: string) => `arraySlice(arrayPushFront(${array}, ${none}), 1, length(t))`;
const shiftLeft = (array: string, none: string) => `arraySlice(arrayPushBack(${array}, ${none}), 2)`;
const gap = (within: boolean[], k: number, later: string, earlier: string) => (within[k] ? ` AND ${later} - ${earlier} <= {within${k}:Int64}` : "");

/** Per event and exclusion, how many excluded events are before its time (lt) and at or before it (le). */
function columnsSql(exclusions: ExclusionRange[]): string {
  return exclusions.map((_, x) => `arrayMap(tt -> arrayCount(e -> e < tt, ex${x}), t) AS lt${x}, arrayMap(tt -> arrayCount(e -> e <= tt, ex${x}), t) AS le${x}`).join(",\n      ");
}

/** The forward pass and the furthest step (`level`). */
function preSql(n: number, _layout: unknown, within: boolean[] = [], exclusions: ExclusionRange[] = []): string {
  const le = carried(exclusions, "le");
  const forward = stepRange(1, n).map((k) => {
    // The pair (step k, step k+1) 1-based: the predecessor p carries its le<x> from tuple element 3 on.
    const clean = applying(exclusions, k).map((x) => ` AND lt${x} <= p.${3 + x}`).join("");
    const lts = exclusions.map((_, x) => `, lt${x}`).join("");
    return `${shiftRight(`arrayFill(x -> x.1 >= 0, arrayMap((b, tt${le.args}) -> (b, tt${le.tuple}), b${k - 1}, t${le.args}))`, le.none)} AS pb${k},
      arrayMap((mm, tt, p${lts}) -> if(bitTest(mm, ${k}) AND p.1 >= 0${gap(within, k, "tt", "p.2")}${clean} AND tt - p.1 <= {windowMs:Int64}, p.1, toInt64(-1)), m, t, pb${k}${lts}) AS b${k},`;
  });
  // b{k} has a value only where b{k-1} had one before: the flags hold as a prefix, so their sum is the level
  // (a sum, not leadingTrue's nested ANDs, which would copy every b{k} into the query tree n times).
  const reached = stepRange(1, n).map((k) => `has${k}`);
  return `arrayMap((mm, tt) -> if(bitTest(mm, 0) AND tt < {toRelMs:Int64}, tt, toInt64(-1)), m, t) AS b0,
      ${forward.join("\n      ")}
      ${stepRange(1, n).map((k) => `arrayExists(x -> x >= 0, b${k}) AS has${k},`).join("\n      ")}
      toUInt8(arrayExists(x -> x >= 0, b0) + ${reached.join(" + ") || "0"}) AS level`;
}

/** The backward pass for the furthest step, the attempt's start and its chain. */
function attemptsSql(n: number, _layout: unknown, within: boolean[] = [], exclusions: ExclusionRange[] = []): string {
  const lt = carried(exclusions, "lt");
  const none = "arrayMap(x -> toInt64(-1), t)";
  const base = (k: number) => `arrayMap((mm, tt) -> if(bitTest(mm, ${k}), tt, toInt64(-1)), m, t)`;
  // g{k} for k < L from g{k+1}; every g{k} written out, chosen per user by its level.
  const backward = stepRange(0, n)
    .reverse()
    .map((k) => {
      // The pair (step k+1, step k+2) 1-based: the successor q carries its lt<x> from tuple element 3 on.
      const clean = applying(exclusions, k + 1).map((x) => ` AND q.${3 + x} <= le${x}`).join("");
      const les = exclusions.map((_, x) => `, le${x}`).join("");
      const step =
        k === n - 1
          ? none
          : `arrayMap((mm, tt, q${les}) -> if(bitTest(mm, ${k}) AND q.1 >= 0${gap(within, k + 1, "q.2", "tt")}${clean}, q.1, toInt64(-1)), m, t, ${shiftLeft(`arrayReverseFill(x -> x.1 >= 0, arrayMap((g, tt${lt.args}) -> (g, tt${lt.tuple}), g${k + 1}, t${lt.args}))`, lt.none)}${les})`;
      return `if(level = ${k + 1}, ${base(k)}, if(level > ${k + 1}, ${step}, ${none})) AS g${k},
    arrayShiftLeft(arrayReverseFill(x -> x > 0, arrayMap((g, i) -> if(g >= 0, i, 0), g${k}, arrayEnumerate(t))), 1) AS nf${k},`;
    });
  // The chain as one fold over the steps' "next event with g" arrays, not an alias per step (see preSql).
  const next = stepRange(1, n).map((k) => `nf${k}`);
  return `
    ${backward.join("\n    ")}
    arrayFirstIndex((mm, tt, g) -> bitTest(mm, 0) AND tt < {toRelMs:Int64} AND g >= 0 AND g - tt <= {windowMs:Int64}, m, t, g0) AS e0,
    arrayFold((acc, nf) -> arrayPushBack(acc, nf[acc[length(acc)]]), [${next.join(", ")}], [toUInt64(e0)]) AS chain,
    t[e0] AS start_rel,
    arraySlice(arrayMap(p -> t[p], chain), 1, level) AS completed`;
}

/** Only matching events matter, as in ordered; the chain's k-th event is e{k-1}. */
export const ORDERED_WINDOWED: FunnelModeSql = {
  needsEventId: false,
  separators: false,
  attemptsSql,
  preSql,
  columnsSql,
  stepEventSql: (k) => ({ time: `t[chain[${k}]]`, mask: `m[chain[${k}]]` }),
};
