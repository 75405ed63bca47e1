import type { KeyLayout } from "../keys.js";

/**
 * What one funnel mode adds to the per-user query (user-funnels-sql.ts). Its SQL reads, per user,
 *   keys: the sorted, distinct keys (keys.ts) of the user's events in [from, to + window) that match a step,
 *   t, m: each key's time (ms from `from`) and set of steps matched,
 *   seps: (when `separators`) the times of the user's other events in that span,
 * with {windowMs} and {toRelMs} (to − from) as parameters, and names level (furthest step, 0 for none),
 * start_rel (the chosen attempt's start) and completed (when each step 1..level was completed).
 *
 * Lambdas that capture a whole array copy it once per element, so modes work elementwise on shifted or
 * filled copies of the arrays, with one expression per step written out (n ≤ MAX_FUNNEL_STEPS).
 */
export interface FunnelModeSql {
  /** Whether two copies of one key with different event ids must stay two events. */
  needsEventId: boolean;
  /** Whether the events matching no step are read too (as `seps`). */
  separators: boolean;
  /** `within[k]`: step k+1 has a per-step window, the parameter {within<k>:Int64} (ms from step k's event). */
  attemptsSql(n: number, layout: KeyLayout, within: boolean[], exclusions: Array<{ fromStep: number; toStep: number }>, options?: AttemptOptions): string;
  /**
   * Columns computed in a SELECT before attemptsSql's (which reads them as columns), for modes with two passes.
   * Only such a mode reads exclusions (the sorted times of each one's events are the columns ex0, ex1, …).
   */
  preSql?(n: number, layout: KeyLayout, within: boolean[], exclusions: Array<{ fromStep: number; toStep: number }>): string;
  /** Extra per-user columns beside t and m, in a SELECT of their own before preSql's (then they are columns, not copied expressions). */
  columnsSql?(exclusions: Array<{ fromStep: number; toStep: number }>): string;
  /**
   * The time and steps-matched mask of the event the chosen attempt used for step k (1-based), in the same
   * SELECT as attemptsSql's names; meaningful only when level ≥ k. A step:k breakdown reads its value there.
   */
  stepEventSql(k: number, layout: KeyLayout): { time: string; mask: string };
}

/** hold in a mode that reads it as the column h (strict): each event's held value, '1' + text, or '0' when absent; optional steps where the mode reads them. */
export interface AttemptOptions {
  hold?: boolean;
  /** Per step, whether it is optional (any mode; ordered and strict modes have ordered-optional.ts and strict-optional.ts). */
  optional?: boolean[];
}

/** [from, to): the step indexes one expression per step is written for. */
export const stepRange = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, index) => from + index);

/** `o0 + (o0 AND o1) + …`: how many of the flags hold before the first that does not. */
export const leadingTrue = (names: string[]): string => names.map((_, k) => `(${names.slice(0, k + 1).join(" AND ")})`).join(" + ") || "0";

/**
 * Per element of the nondecreasing Int64 array `q`, how many elements of the nondecreasing Int64 array `v` are
 * below it (`strict`: <, else ≤), as UInt64. A lambda that searched `v` per element would capture it, and the
 * engine copies a captured array once per element (quadratic memory); instead both go into one sorted array,
 * each value doubled and tagged in its lowest bit so that at equal values the side not counted sorts first.
 * The k-th entry of q then sits at position (count + k), and q's entries come out in q's order.
 */
export function countBelowSql(v: string, q: string, strict: boolean): string {
  const [qTag, vTag] = strict ? [0, 1] : [1, 0];
  const merged = `arraySort(arrayConcat(arrayMap(x -> x * 2 + ${qTag}, ${q}), arrayMap(x -> x * 2 + ${vTag}, ${v})))`;
  const positions = `arrayFilter((pos, s) -> bitAnd(s, 1) = ${qTag}, arrayEnumerate(arrayConcat(${q}, ${v})), ${merged})`;
  return `arrayMap((pos, k) -> toUInt64(pos - k), ${positions}, arrayEnumerate(${q}))`;
}
