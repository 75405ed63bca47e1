import { stepRange } from "./mode.js";

/**
 * Strict with optional steps (schemas/src/api/funnel.ts): a chain is a run of consecutive events e1, e2, …
 * (nothing between them: strict.ts's sep_before test) taking steps s1 < s2 < …, skipping only optional ones.
 * Every event of a run takes a step, so the previous TAKEN step's event is always the previous event: a per-step
 * window and hold are tests between neighbours, and everything is elementwise on shifted copies of the arrays.
 *
 * One event may match several steps, so which step an event of the run takes is existential. Per start i and
 * offset j, r{j}[i] is the bitmask of the steps event i + j can take on some valid chain from i:
 *   r0[i] = steps event i matches that have only optional steps before them (and t[i] < to),
 *   r{j}[i] = lk[i + j] ∩ next(r{j−1}[i]), when event i + j is within the window of event i,
 * where lk[x] is the steps event x can take right after event x − 1 (it matches them, nothing lies between,
 * their per-step windows hold from event x − 1, with hold both carry the same present value), and next(S) the
 * steps a chain can take after a step of S: p + 1, … up to and including the first required one after p. A
 * start's level is 1 + the highest step in any r{j}[i]; the user's is the best start's.
 *
 * The chain reported (the first step by step: taking a step before skipping it, then the earlier event) comes
 * from a backward pass: g{j}[i] = the steps of r{j}[i] from which the user's furthest step L is still reached,
 * r{j}[i] ∩ ({L} ∪ prev(g{j+1}[i])). Its start takes the lowest step any g0 holds (taking a step beats
 * skipping it), at the earliest event that can take it there; each next event of the run then takes the lowest
 * step of g{j} after the previous one (a lower step taken beats skipping it for a higher one).
 *
 * Each r{j} and g{j} is a SELECT of its own, as in ordered-optional.ts: the engine copies an alias's expression
 * into every use, and each one reads the previous.
 */

export interface StrictOptionalShape {
  n: number;
  within: boolean[];
  optional: boolean[];
  hold: boolean;
}

const bit = (k: number) => 2 ** k;
/** The steps a chain can take right after step p (0-based): p + 1, … up to and including the first required one. */
const nextMask = (optional: boolean[], p: number): number => {
  let mask = 0;
  for (let q = p + 1; q < optional.length; q++) {
    mask += bit(q);
    if (!optional[q]) break;
  }
  return mask;
};
/** The steps a chain can take right before step q: q − 1, … back to and including the first required one. */
const prevMask = (optional: boolean[], q: number): number => {
  let mask = 0;
  for (let p = q - 1; p >= 0; p--) {
    mask += bit(p);
    if (!optional[p]) break;
  }
  return mask;
};
/** The steps a chain can start at: every step before them optional. */
const startMask = (optional: boolean[]): number => stepRange(0, optional.length).reduce((mask, k) => (optional.slice(0, k).every(Boolean) ? mask + bit(k) : mask), 0);

/** OR over the steps k in the mask `x` of per[k], written out (n ≤ MAX_FUNNEL_STEPS). */
const unionOf = (x: string, per: (k: number) => number, n: number): string => {
  const terms = stepRange(0, n)
    .filter((k) => per(k) !== 0)
    .map((k) => `if(bitTest(${x}, ${k}), ${per(k)}, 0)`);
  return terms.length === 0 ? "toUInt32(0)" : `toUInt32(bitOr(${terms.reduce((a, b) => `bitOr(${a}, ${b})`)}, 0))`;
};

/** The lowest step in a nonzero mask (0-based). */
const lowestSql = (x: string) => `toInt64(bitCount(bitAnd(${x}, -${x}) - 1))`;
/** 1 + the highest step in a mask, 0 for none. */
const levelOfSql = (x: string, n: number) => `toUInt8(greatest(0, ${stepRange(0, n).map((k) => `if(bitTest(${x}, ${k}), ${k + 1}, 0)`).join(", ")}))`;

/**
 * lk: per event, the steps it can take as the next event of a run through the previous event. The first event
 * has no previous one. Per-step windows drop the steps whose window the gap from the previous event exceeds.
 */
function linkSql(shape: StrictOptionalShape): string {
  const { n, within, hold } = shape;
  const unwindowed = stepRange(0, n).reduce((mask, k) => (within[k] ? mask : mask + bit(k)), 0);
  const windowed = stepRange(0, n)
    .filter((k) => within[k])
    .map((k) => ` + if(tt - tp <= {within${k}:Int64}, ${bit(k)}, 0)`)
    .join("");
  const heldArgs = hold ? ", hh, hp" : "";
  const heldArrays = hold ? ", h, arrayShiftRight(h, 1)" : "";
  // hold: both carry the same value, which must be present (the start's, by induction along the run).
  const heldTest = hold ? " AND startsWith(hh, '1') AND hh = hp" : "";
  return `arraySort(arrayConcat(arrayMap(x -> x * 2, t), arrayMap(x -> x * 2 + 1, seps))) AS merged,
      arrayFilter((c, v) -> v % 2 = 0, arrayCumSum(arrayMap(v -> v % 2, merged)), merged) AS sep_before,
      arrayMap((i, mm, tt, tp, b, bp${heldArgs}) -> if(i > 1 AND b = bp${heldTest}, bitAnd(mm, toUInt32(${unwindowed}${windowed})), toUInt32(0)),
        arrayEnumerate(t), m, t, arrayShiftRight(t, 1), sep_before, arrayShiftRight(sep_before, 1)${heldArrays}) AS lk`;
}

/** r{j}: the steps the event j places after each start can take on a valid chain from it. */
function forwardSql(shape: StrictOptionalShape, j: number): string {
  const { n, optional } = shape;
  if (j === 0) return `arrayMap((mm, tt) -> if(tt < {toRelMs:Int64}, bitAnd(mm, toUInt32(${startMask(optional)})), toUInt32(0)), m, t) AS r0`;
  return `arrayMap((r, lj, t0, tj) -> if(r != 0 AND tj - t0 <= {windowMs:Int64}, bitAnd(lj, ${unionOf("r", (p) => nextMask(optional, p), n)}), toUInt32(0)),
        r${j - 1}, arrayShiftLeft(lk, ${j}), t, arrayShiftLeft(t, ${j})) AS r${j}`;
}

/** g{j}: the steps of r{j} from which the user's furthest step (level − 1, 0-based) is still reached. */
function backwardSql(shape: StrictOptionalShape, j: number): string {
  const { n, optional } = shape;
  const last = "if(level = 0, toUInt32(0), toUInt32(bitShiftLeft(toUInt32(1), level - 1)))";
  if (j === n - 1) return `arrayMap(r -> bitAnd(r, ${last}), r${j}) AS g${j}`;
  return `arrayMap((r, g) -> bitAnd(r, bitOr(${last}, ${unionOf("g", (q) => prevMask(optional, q), n)})), r${j}, g${j + 1}) AS g${j}`;
}

/**
 * The layers, innermost first: the links, the forward pass offset by offset, the level, the backward pass, then
 * the start and the chain. Reads t, m, seps (and h with hold); names level, start_rel, completed and chain (each
 * step's position, 0 when skipped: ordered-optional.ts's orderedOptionalStepEvent reads it).
 */
export function strictOptionalLayers(shape: StrictOptionalShape): string[] {
  const { n, optional } = shape;
  const offsets = stepRange(0, n);
  const any = `arrayMap((${offsets.map((j) => `x${j}`).join(", ")}) -> bitOr(${offsets.map((j) => `x${j}`).reduce((a, b) => `bitOr(${a}, ${b})`)}, 0), ${offsets.map((j) => `r${j}`).join(", ")})`;
  const level = `arrayMax(arrayMap(x -> ${levelOfSql("x", n)}, ${any})) AS level`;
  // The start: the lowest step any chain reaching L starts at, then the earliest event starting one there.
  const start = `arrayFold((acc, g) -> bitOr(acc, g), g0, toUInt32(0)) AS starts,
    if(starts = 0, toInt64(-1), ${lowestSql("starts")}) AS k0,
    toUInt32(if(k0 < 0, 0, arrayFirstIndex(g -> bitTest(g, k0), g0))) AS s`;
  // Per offset the step the run's event takes (-1: the run has ended): the lowest of g{j} after the previous.
  const nexts = `[${stepRange(0, n).map((p) => nextMask(optional, p)).join(", ")}]`;
  const steps = `arrayFold((acc, g) -> arrayPushBack(acc, if(acc[-1] < 0 OR acc[-1] >= toInt64(level) - 1 OR bitAnd(g, ${nexts}[acc[-1] + 1]) = 0, toInt64(-1),
        ${lowestSql(`bitAnd(g, ${nexts}[acc[-1] + 1])`)})),
      [${stepRange(1, n).map((j) => `g${j}[s]`).join(", ")}], [k0]) AS taken`;
  // The run's times and, per step, its event: the one whose offset took it.
  return [
    linkSql(shape),
    ...offsets.map((j) => forwardSql(shape, j)),
    level,
    ...[...offsets].reverse().map((j) => backwardSql(shape, j)),
    start,
    `t[s] AS start_rel,
    ${steps},
    arraySlice(t, s, ${n}) AS run_t`,
    `arrayMap(k -> if(indexOf(taken, k) > 0, toUInt32(s + indexOf(taken, k) - 1), toUInt32(0)), range(toInt64(${n}))) AS chain,
    arrayMap(k -> if(indexOf(taken, k) > 0, run_t[indexOf(taken, k)], toInt64(-1)), range(toInt64(level))) AS completed`,
  ];
}
