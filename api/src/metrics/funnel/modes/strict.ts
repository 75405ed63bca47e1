import { leadingTrue, stepRange, type AttemptOptions, type FunnelModeSql } from "./mode.js";

/**
 * Strict: matching events are t/m; seps holds the times of the others. sep_before[j] counts those sorting
 * before matching event j (at equal times they sort last: 2t+1 > 2t), so nothing lies between j and j+k
 * exactly when sep_before is equal at both. ok{k}[i]: the event k places after i completes step k+1 of a
 * start at i, within the window, with no other event between.
 */
function attemptsSql(n: number, _layout: unknown, within: boolean[] = [], _exclusions: unknown = [], options: AttemptOptions = {}): string {
  const oks = stepRange(1, n).map((k) => `ok${k}`);
  // hold: event k places after i carries the start's value, which must be present.
  const held = (k: number, flags: string) => (options.hold ? `arrayMap((okk, h0, hk) -> okk AND startsWith(h0, '1') AND hk = h0, ${flags}, h, arrayShiftLeft(h, ${k}))` : flags);
  // A per-step window on step k+1: event k places after i is within it of event k − 1 places after i.
  const ok = (k: number) =>
    `${held(
      k,
      within[k]
        ? `arrayMap((mk, t0, tk, tp, b0, bk) -> bitTest(mk, ${k}) AND tk - t0 <= {windowMs:Int64} AND tk - tp <= {within${k}:Int64} AND bk = b0, arrayShiftLeft(m, ${k}), t, arrayShiftLeft(t, ${k}), arrayShiftLeft(t, ${k - 1}), sep_before, arrayShiftLeft(sep_before, ${k}))`
        : `arrayMap((mk, t0, tk, b0, bk) -> bitTest(mk, ${k}) AND tk - t0 <= {windowMs:Int64} AND bk = b0, arrayShiftLeft(m, ${k}), t, arrayShiftLeft(t, ${k}), sep_before, arrayShiftLeft(sep_before, ${k}))`,
    )} AS ok${k},`;
  return `
    arraySort(arrayConcat(arrayMap(x -> x * 2, t), arrayMap(x -> x * 2 + 1, seps))) AS merged,
    arrayFilter((c, v) -> v % 2 = 0, arrayCumSum(arrayMap(v -> v % 2, merged)), merged) AS sep_before,
    ${stepRange(1, n).map(ok).join("\n    ")}
    arrayMap((mm, tt${oks.map((o) => `, ${o}`).join("")}) -> if(bitTest(mm, 0) AND tt < {toRelMs:Int64}, toUInt8(1 + ${leadingTrue(oks)}), toUInt8(0)), m, t${oks.map((o) => `, ${o}`).join("")}) AS levels,
    arrayMax(levels) AS level,
    indexOf(levels, level) AS s,
    t[s] AS start_rel,
    arraySlice(t, s, level) AS completed`;
}

/**
 * Any other event between two steps ends the attempt, so the others are read as separators. A second copy
 * of a matching event between two steps ends it too, and a resent copy must not: the key keeps the id. A
 * separator's duplicates change nothing (one event between is enough), so they need no id and no dedup.
 */
export const STRICT: FunnelModeSql = {
  needsEventId: true,
  separators: true,
  attemptsSql,
  // Step k is the k-th matching event from the start: nothing lies between them.
  stepEventSql: (k) => ({ time: `t[s + ${k - 1}]`, mask: `m[s + ${k - 1}]` }),
};
