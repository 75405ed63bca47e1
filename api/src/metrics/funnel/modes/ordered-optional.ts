import { stepRange } from "./mode.js";
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
 * only valid one and carry an earlier start, so b{k} is no longer monotone and the best valid predecessor is
 * searched among all earlier events (quadratic in the user's step events; only such funnels pay it).
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
  const lts = exclusions.map((_, x) => `, lt${x}`).join("");
  const terms = predecessors(optional, k).map((j) => {
    const les = exclusions.map((_, x) => `, le${x}`).join("");
    const lepArgs = exclusions.map((_, x) => `, lep${x}`).join("");
    const clean = spanning(exclusions, j, k).map((x) => ` AND ltx${x} <= lep${x}`).join("");
    const gap = within[k] ? ` AND tt - tp <= {within${k}:Int64}` : "";
    return `arrayMax(arrayMap((bp, tp, ip${lepArgs}) -> if(ip < i AND bp >= 0${gap}${clean}, bp, ${NONE}), b${j}, t, arrayEnumerate(t)${les}))`;
  });
  const ltArgs = exclusions.map((_, x) => `, ltx${x}`).join("");
  return `arrayMap((i, mm, tt${ltArgs}) -> if(bitTest(mm, ${k}), greatest(${[self, ...terms].join(", ")}), ${NONE}), arrayEnumerate(t), m, t${lts}) AS raw${k},
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
    const terms = next.map((q) => {
      const lts = exclusions.map((_, x) => `, lt${x}`).join("");
      const ltqArgs = exclusions.map((_, x) => `, ltq${x}`).join("");
      const clean = spanning(exclusions, k, q).map((x) => ` AND ltq${x} <= lex${x}`).join("");
      const gap = within[q] ? ` AND tq - tt <= {within${q}:Int64}` : "";
      return `arrayMin(arrayMap((gq, tq, iq${ltqArgs}) -> if(iq > i AND gq >= 0${gap}${clean}, gq, ${BIG}), g${q}, t, arrayEnumerate(t)${lts}))`;
    });
    const leArgs = exclusions.map((_, x) => `, lex${x}`).join("");
    const les = exclusions.map((_, x) => `, le${x}`).join("");
    step = `arrayMap(r -> if(r = ${BIG}, ${NONE}, r), arrayMap((i, mm, tt${leArgs}) -> if(bitTest(mm, ${k}), least(${terms.join(", ")}), ${BIG}), arrayEnumerate(t), m, t${les}))`;
  }
  return `if(level = ${k + 1}, ${base}, if(level > ${k + 1}, ${step}, ${none})) AS g${k}`;
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
  const gapSql = within.some(Boolean) ? ` AND ({withinList:Array(Int64)}[q + 1] < 0 OR tt - t[acc.2] <= {withinList:Array(Int64)}[q + 1])` : "";
  const exclusionSql = exclusions
    .map((_, x) => ` AND (NOT ({exFrom:Array(Int64)}[${x + 1}] < q + 1 AND acc.3 + 1 < {exTo:Array(Int64)}[${x + 1}]) OR ltc${x} <= le${x}[acc.2])`)
    .join("");
  const ltcArgs = exclusions.map((_, x) => `, ltc${x}`).join("");
  const lts = exclusions.map((_, x) => `, lt${x}`).join("");
  const find = `arrayFirstIndex((mm, tt, gq, i${ltcArgs}) -> i > acc.2 AND bitTest(mm, q) AND gq >= 0 AND gq - start_rel <= {windowMs:Int64}${gapSql}${exclusionSql}, m, t, arrayElement(${G}, q + 1), arrayEnumerate(t)${lts})`;
  // The found position goes through a one-element arrayMap so its search is written (and run) once.
  const chain = `arrayFold((acc, q) -> if(toInt64(q) < k0 OR toInt64(q) >= toInt64(level), (arrayPushBack(acc.1, toUInt32(0)), acc.2, acc.3),
        if(toInt64(q) = k0, (arrayPushBack(acc.1, e0), e0, toInt64(q)),
          arrayMap(x -> (arrayPushBack(acc.1, x), if(x > 0, x, acc.2), if(x > 0, toInt64(q), acc.3)), [toUInt32(${find})])[1])),
      range(toUInt32(${n})), (CAST([], 'Array(UInt32)'), toUInt32(0), toInt64(-1))).1 AS chain`;
  return [
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
