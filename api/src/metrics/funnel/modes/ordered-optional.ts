import { countBelowSql, stepRange } from "./mode.js";
import type { ExclusionRange } from "./ordered-windowed.js";

/**
 * Ordered with optional steps (schemas/src/api/funnel.ts): a chain takes a subsequence of the steps, skipping
 * only optional ones, and its constraints (the funnel's window from the chain's first event, a per-step window
 * from the previous TAKEN step, exclusions over every pair of steps the gap spans) hold between consecutive
 * taken steps. The same two passes as ordered-windowed.ts, one array per step:
 *
 * Forward, b{k}[i]: the latest start from which some chain takes step k+1 at event i (-1: none). Its
 * predecessor is step j's event for any j < k with only optional steps between (or i itself starts, when
 * every step before k+1 is optional). Backward, g{k}[i]: the earliest time the furthest step L (the last
 * step any chain takes) is taken by a chain taking step k+1 at i.
 *
 * Without per-step windows and exclusions, the only constraint on a predecessor is that it comes earlier, so
 * each b{j} never decreases along the events that have one and the last earlier one is the best: one fill per
 * (step, predecessor step), as in ordered-windowed.ts. With them, a predecessor from another step may be the
 * only valid one and carry an earlier start, so b{k} is no longer monotone. Per predecessor step the valid
 * earlier events are still one range of positions, [lo, i − 1]: k's per-step window asks tp ≥ tt − within,
 * and an exclusion spanning the gap asks le[p] ≥ lt[i] (ordered-windowed.ts), and both t and le never decrease
 * along the events. So the best valid predecessor is a range maximum of b{j}, which arrayReduceInRanges answers
 * per event without a lambda capturing b{j} (a capture is copied per element: quadratic per user, which at 10M
 * events outgrew the 2 GiB cap); the backward pass mirrors it with [i + 1, hi] and a range minimum.
 *
 * Each step's array is a SELECT of its own: b{k} reads several earlier b{j}, and the engine copies an alias's
 * expression into every use, which would grow the query tree exponentially over runs of optional steps.
 *
 * The chain reported is the first in this order: it takes step 1 rather than skipping it, then the earliest
 * event for it, then the same for step 2, … (among chains taking L). With every step required that is the
 * earliest chain position by position from the earliest start, as in ordered-windowed.ts.
 */

const NONE = "toInt64(-1)";
const BIG = "toInt64(9223372036854775807)";

export interface OptionalShape {
  n: number;
  within: boolean[];
  optional: boolean[];
  exclusions: ExclusionRange[];
}

/** Steps j < k that can come just before step k (0-based) in a chain: k−1, and further back over optional steps. */
const predecessors = (optional: boolean[], k: number): number[] => {
  const list: number[] = [];
  for (let j = k - 1; j >= 0; j--) {
    list.push(j);
    if (!optional[j]) break;
  }
  return list;
};
/** Steps q > k that can come just after step k. */
const successors = (optional: boolean[], k: number, n: number): number[] => {
  const list: number[] = [];
  for (let q = k + 1; q < n; q++) {
    list.push(q);
    if (!optional[q]) break;
  }
  return list;
};
/** Every step before k (0-based) is optional: an event of step k can start a chain. */
const canStart = (optional: boolean[], k: number) => optional.slice(0, k).every(Boolean);

/** Exclusions (indexes) forbidding an event strictly between taken steps j and q (0-based): their range overlaps the span. */
const spanning = (exclusions: ExclusionRange[], j: number, q: number) => exclusions.flatMap((x, i) => (x.fromStep < q + 1 && j + 1 < x.toStep ? [i] : []));

const constrained = (shape: OptionalShape) => shape.within.some(Boolean) || shape.exclusions.length > 0;

/** The forward pass for step k: one SELECT's column b{k}. */
function forwardSql(shape: OptionalShape, k: number): string {
  const { optional, within, exclusions } = shape;
  const self = canStart(optional, k) ? `if(tt < {toRelMs:Int64}, tt, ${NONE})` : NONE;
  if (!constrained(shape)) {
    const terms = predecessors(optional, k).map((j) => `arraySlice(arrayPushFront(arrayFill(x -> x >= 0, b${j}), ${NONE}), 1, length(t))`);
    const names = terms.map((_, i) => `p${i}`);
    return `arrayMap((mm, tt${names.map((p) => `, ${p}`).join("")}) -> if(bitTest(mm, ${k}) AND greatest(${[self, ...names].join(", ")}) >= 0 AND tt - greatest(${[self, ...names].join(", ")}) <= {windowMs:Int64}, greatest(${[self, ...names].join(", ")}), ${NONE}), m, t${terms.map((x) => `, ${x}`).join("")}) AS b${k}`;
  }
  // Per predecessor step j the valid earlier events form one range of positions [lo, i − 1]: the per-step window
  // and each spanning exclusion each bound it from below (see the module comment), so the best start is a range
  // maximum, which arrayReduceInRanges answers without capturing b{j} per event.
  const lows = (j: number) => [...(within[k] ? [`lw${k}`] : []), ...spanning(exclusions, j, k).map((x) => `lox${x}`)];
  const preds = predecessors(optional, k);
  const ranges = preds.map((j) => {
    const lo = `greatest(toUInt64(1)${lows(j).map((l) => `, ${l}`).join("")})`;
    return `arrayReduceInRanges('max', arrayMap((i${lows(j).map((l) => `, ${l}`).join("")}) -> (if(${lo} < toUInt64(i), ${lo}, toUInt64(1)), if(${lo} < toUInt64(i), toUInt64(toUInt64(i) - ${lo}), toUInt64(0))), arrayEnumerate(t)${lows(j).map((l) => `, ${l}`).join("")}), b${j})`;
  });
  // An empty range's maximum is 0, a real start: its own none (the engine wants each range a tuple of two
  // columns, not an if() of tuples).
  const names = preds.map((_, i) => `p${i}`);
  const sizes = preds.map((_, i) => `n${i}`);
  const terms = names.map((p, i) => `if(${sizes[i]} > 0, ${p}, ${NONE})`);
  const sizeArrays = preds.map((j) => {
    const lo = `greatest(toUInt64(1)${lows(j).map((l) => `, ${l}`).join("")})`;
    return `arrayMap((i${lows(j).map((l) => `, ${l}`).join("")}) -> toInt64(i) - toInt64(${lo}), arrayEnumerate(t)${lows(j).map((l) => `, ${l}`).join("")})`;
  });
  return `arrayMap((mm, tt${names.map((p, i) => `, ${p}, ${sizes[i]}`).join("")}) -> if(bitTest(mm, ${k}), greatest(${[self, ...terms].join(", ")}), ${NONE}), m, t${ranges.map((r, i) => `, ${r}, ${sizeArrays[i]}`).join("")}) AS raw${k},
      arrayMap((r, tt) -> if(r >= 0 AND tt - r <= {windowMs:Int64}, r, ${NONE}), raw${k}, t) AS b${k}`;
}

/** The backward pass for step k: g{k}, chosen per user by its level L. */
function backwardSql(shape: OptionalShape, k: number): string {
  const { n, optional, within, exclusions } = shape;
  const none = `arrayMap(x -> ${NONE}, t)`;
  const base = `arrayMap((mm, tt) -> if(bitTest(mm, ${k}), tt, ${NONE}), m, t)`;
  const next = successors(optional, k, n);
  let step: string;
  if (next.length === 0) step = none;
  else if (!constrained(shape)) {
    const terms = next.map((q) => `arraySlice(arrayPushBack(arrayReverseFill(x -> x >= 0, g${q}), ${NONE}), 2)`);
    const names = terms.map((_, i) => `q${i}`);
    const least = `arrayMin(arrayFilter(x -> x >= 0, [${names.join(", ")}]))`;
    step = `arrayMap((mm${names.map((q) => `, ${q}`).join("")}) -> if(bitTest(mm, ${k}) AND arrayExists(x -> x >= 0, [${names.join(", ")}]), ${least}, ${NONE}), m${terms.map((x) => `, ${x}`).join("")})`;
  } else {
    // The mirror: per successor step q the valid later events are the positions [i + 1, hi], bounded from above
    // by q's per-step window and each spanning exclusion; the earliest completion is a range minimum.
    const highs = (q: number) => [...(within[q] ? [`hw${q}`] : []), ...spanning(exclusions, k, q).map((x) => `hix${x}`)];
    const hiOf = (q: number) => `least(toUInt64(length(t))${highs(q).map((h) => `, ${h}`).join("")})`;
    const args = (q: number) => highs(q).map((h) => `, ${h}`).join("");
    // A range past the end (i = length(t), empty) starts at 1 instead: its minimum is discarded below.
    const ranges = next.map(
      (q) =>
        `arrayReduceInRanges('min', arrayMap((i${args(q)}) -> (if(${hiOf(q)} > toUInt64(i), toUInt64(i) + 1, toUInt64(1)), if(${hiOf(q)} > toUInt64(i), toUInt64(${hiOf(q)} - toUInt64(i)), toUInt64(0))), arrayEnumerate(t)${args(q)}), arrayMap(g -> if(g >= 0, g, ${BIG}), g${q}))`,
    );
    const sizes = next.map((q) => `arrayMap((i${args(q)}) -> toInt64(${hiOf(q)}) - toInt64(i), arrayEnumerate(t)${args(q)})`);
    const names = next.map((_, i) => `q${i}`);
    const terms = names.map((q, i) => `if(s${i} > 0, ${q}, ${BIG})`);
    step = `arrayMap((mm${names.map((q, i) => `, ${q}, s${i}`).join("")}) -> if(bitTest(mm, ${k}), if(least(${terms.join(", ")}) = ${BIG}, ${NONE}, least(${terms.join(", ")})), ${NONE}), m${ranges.map((r, i) => `, ${r}, ${sizes[i]}`).join("")})`;
  }
  return `if(level = ${k + 1}, ${base}, if(level > ${k + 1}, ${step}, ${none})) AS g${k}`;
}

/**
 * The bounds of the constrained passes' ranges, per event (positions, 1-based): lw{k}, the first event within
 * step k's per-step window before it, hw{k} the last within it after it; lox{x}, the first event with no event
 * of exclusion x between it and this one, hix{x} the last. Each is a count over nondecreasing arrays (the times;
 * an exclusion's counts lt, le never decrease along the events either), so no lambda searches an array.
 */
function boundsSql(shape: OptionalShape): string | undefined {
  const { within, exclusions } = shape;
  const columns = [
    ...stepRange(0, shape.n)
      .filter((k) => within[k])
      .flatMap((k) => [
        `arrayMap(c -> c + 1, ${countBelowSql("t", `arrayMap(x -> x - {within${k}:Int64}, t)`, true)}) AS lw${k}`,
        `${countBelowSql("t", `arrayMap(x -> x + {within${k}:Int64}, t)`, false)} AS hw${k}`,
      ]),
    // p before i is clean when lt{x}[i] ≤ le{x}[p] (ordered-windowed.ts): from the first p with le{x}[p] ≥ lt{x}[i] on.
    ...exclusions.flatMap((_, x) => [`arrayMap(c -> c + 1, ${countBelowSql(`le${x}`, `lt${x}`, true)}) AS lox${x}`, `${countBelowSql(`lt${x}`, `le${x}`, false)} AS hix${x}`]),
  ];
  return columns.length === 0 ? undefined : columns.join(",\n      ");
}

/**
 * The layers, innermost first: the forward pass step by step, the level, the backward pass from the last step
 * down, then the start and the chain.
 */
export function orderedOptionalLayers(shape: OptionalShape): string[] {
  const { n, optional, within, exclusions } = shape;
  const forward = stepRange(0, n).map((k) => forwardSql(shape, k));
  const level = `toUInt8(greatest(${stepRange(0, n)
    .map((k) => `if(arrayExists(x -> x >= 0, b${k}), ${k + 1}, 0)`)
    .join(", ")})) AS level`;
  const backward = stepRange(0, n)
    .reverse()
    .map((k) => backwardSql(shape, k));
  // The start: the first step that can start (every one before it optional) with an event from which L is
  // reached within the window; the earliest such event.
  const starters = stepRange(0, n).filter((k) => canStart(optional, k));
  const startAt = starters.map((k) => `arrayFirstIndex((mm, tt, g) -> bitTest(mm, ${k}) AND tt < {toRelMs:Int64} AND g >= 0 AND g - tt <= {windowMs:Int64}, m, t, g${k})`);
  const nest = (values: string[], last: string): string => values.reduceRight((rest, value, i) => `if(${startAt[i]} > 0, ${value}, ${rest})`, last);
  const start = `toUInt32(${nest(startAt, "0")}) AS e0,
    ${nest(
      starters.map((k) => String(k)),
      "-1",
    )} AS k0`;
  // The chain: one fold over the steps after the start. acc = (positions taken so far, 0 = skipped; the last
  // taken position; its step). A step is taken at the first later event that still leads to L within the
  // window, with its gap and exclusions clean; otherwise it is skipped (then it is optional: see above).
  const G = `[${stepRange(0, n)
    .map((k) => `g${k}`)
    .join(", ")}]`;
  const gapSql = within.some(Boolean) ? ` AND ({withinList:Array(Int64)}[q + 1] < 0 OR tt - prev.1 <= {withinList:Array(Int64)}[q + 1])` : "";
  const exclusionSql = exclusions
    .map((_, x) => ` AND (NOT ({exFrom:Array(Int64)}[${x + 1}] < q + 1 AND acc.3 + 1 < {exTo:Array(Int64)}[${x + 1}]) OR ltc${x} <= prev.${x + 2})`)
    .join("");
  const ltcArgs = exclusions.map((_, x) => `, ltc${x}`).join("");
  const lts = exclusions.map((_, x) => `, lt${x}`).join("");
  const find = `arrayFirstIndex((mm, tt, gq, i${ltcArgs}) -> i > acc.2 AND bitTest(mm, q) AND gq >= 0 AND gq - start_rel <= {windowMs:Int64}${gapSql}${exclusionSql}, m, t, arrayElement(${G}, q + 1), arrayEnumerate(t)${lts})`;
  // The found position goes through a one-element arrayMap so its search is written (and run) once. The last
  // taken event's time and exclusion counts come in the same way, as `prev`: read inside the search's lambda,
  // t[acc.2] would capture t, which the engine copies once per element (quadratic per user).
  const prev = `tuple(t[acc.2]${exclusions.map((_, x) => `, le${x}[acc.2]`).join("")})`;
  const chain = `arrayFold((acc, q) -> if(toInt64(q) < k0 OR toInt64(q) >= toInt64(level), (arrayPushBack(acc.1, toUInt32(0)), acc.2, acc.3),
        if(toInt64(q) = k0, (arrayPushBack(acc.1, e0), e0, toInt64(q)),
          arrayMap(prev -> arrayMap(x -> (arrayPushBack(acc.1, x), if(x > 0, x, acc.2), if(x > 0, toInt64(q), acc.3)), [toUInt32(${find})])[1], [${prev}])[1])),
      range(toUInt32(${n})), (CAST([], 'Array(UInt32)'), toUInt32(0), toInt64(-1))).1 AS chain`;
  const bounds = constrained(shape) ? boundsSql(shape) : undefined;
  return [
    ...(bounds === undefined ? [] : [bounds]),
    ...forward,
    level,
    ...backward,
    start,
    `t[e0] AS start_rel`,
    chain,
    `arrayMap(p -> if(p = 0, ${NONE}, t[p]), arraySlice(chain, 1, level)) AS completed`,
  ];
}

/** The chain's event for step k (1-based; position 0 when skipped). */
export const orderedOptionalStepEvent = (k: number) => ({ time: `t[chain[${k}]]`, mask: `m[chain[${k}]]` });
