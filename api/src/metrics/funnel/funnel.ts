import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import {
  DEFAULT_FUNNEL_BREAKDOWN_LIMIT,
  isPropertyBreakdown,
  type FunnelBin,
  type FunnelBreakdown,
  type FunnelBreakdownGroup,
  type FunnelBreakdownValues,
  type FixedFunnelBreakdown,
  type FunnelResponse,
  type FunnelStep,
  type FunnelStepBins,
  type FunnelStepResult,
  funnelStepEqualityFilters,
  funnelStepText,
  funnelStepTypes,
} from "@chatfunnel/schemas";
import { runQuery, type ResolvedFilters } from "@chatfunnel/warehouse";
import type { FunnelDefinition } from "./definition.js";
import { dimensionColumn, propertyDimensions, userFunnelsSql } from "./user-funnels-sql.js";

const num = z.coerce.number();
const StepRowSchema = z.object({
  by_group: num,
  g_channel: z.string(),
  g_campaign: z.string(),
  g_source: z.string(),
  g_bot: z.string(),
  g_p0: z.string().nullable().optional(),
  g_p1: z.string().nullable().optional(),
  k: num,
  users: num,
  sum_ms: num,
  low_ms: num,
  high_ms: num,
  sum_prev_ms: num,
  low_prev_ms: num,
  high_prev_ms: num,
  max_ms: num.optional(),
  hist_bins: z.array(num).optional(),
  hist_users: z.array(num).optional(),
  is_other: num.optional(),
  groups_total: num.optional(),
  any_unordered: num.optional(),
});
type StepRow = z.infer<typeof StepRowSchema>;

/**
 * Per step k (1-based): users reaching it, and the sum and middle values of their times to convert; with a
 * breakdown also per group, in the same pass (GROUPING SETS: the overall rows are the set without the
 * dimensions, where grouping() of a dimension is 1 and the dimensions read as '').
 */
function stepAggregatesSql(userSql: string, breakdown: FunnelBreakdown[], bins: number | undefined, optional = false): string {
  const group = (d: FunnelBreakdown) => (breakdown.includes(d) ? dimensionColumn(breakdown, d) : "''");
  const dims = breakdown.map((d) => dimensionColumn(breakdown, d));
  const propertyGroups = propertyDimensions(breakdown).map((_, i) => `, d_p${i} AS g_p${i}`).join("");
  const byGroup = dims.length > 0 ? `toUInt8(1 - grouping(${dims[0]}))` : "0";
  const groupBy = dims.length > 0 ? `GROUPING SETS ((k), (${dims.join(", ")}, k))` : "k";
  // Bins need the longest time first: the step's times are kept as one array and binned after the GROUP BY,
  // in the same pass (a second query would read every user again). sumMap over that array counts per bin.
  const binColumns = bins === undefined ? "" : `, max(offset_ms) AS max_ms, groupArray(offset_ms) AS offs`;
  const aggregates = `
SELECT ${byGroup} AS by_group,
  ${group("channel")} AS g_channel, ${group("campaign")} AS g_campaign, ${group("source")} AS g_source, ${group("botId")} AS g_bot${propertyGroups},
  k, count() AS users, sum(offset_ms) AS sum_ms,
  quantileExactLow(0.5)(offset_ms) AS low_ms, quantileExactHigh(0.5)(offset_ms) AS high_ms,
  sum(prev_ms) AS sum_prev_ms, quantileExactLow(0.5)(prev_ms) AS low_prev_ms, quantileExactHigh(0.5)(prev_ms) AS high_prev_ms${binColumns}
${stepRowsSql(userSql, optional)}
GROUP BY ${groupBy}`;
  if (bins === undefined) return aggregates;
  return `
SELECT * EXCEPT (offs, hist), hist.1 AS hist_bins, hist.2 AS hist_users FROM (
  SELECT *, if(by_group = 0 AND k > 1,
    arrayReduce('sumMap', [arrayMap(x -> if(max_ms = 0, 0, least({bins:Int64} - 1, intDiv(x * {bins:Int64}, max_ms))), offs)], [arrayMap(x -> toUInt64(1), offs)]),
    ([], [])) AS hist
  FROM (${aggregates})
)`;
}

/** One row per user and step reached: k, the time from the start (offset_ms) and from the previous step (prev_ms). */
function stepRowsSql(userSql: string, optional: boolean): string {
  if (!optional) {
    return `FROM (${userSql})
ARRAY JOIN arrayEnumerate(completed) AS k, arrayMap(x -> x - start_rel, completed) AS offset_ms, arrayDifference(completed) AS prev_ms`;
  }
  // A skipped step is -1 in completed: not a row. Row k = 0 counts the users who entered (the chain's start),
  // and a step's previous is the chain's previous taken step (the start for its first).
  return `FROM (SELECT *, arrayPushFront(completed, start_rel) AS cs FROM (${userSql}))
ARRAY JOIN arrayMap(x -> toUInt64(x - 1), arrayEnumerate(cs)) AS k, arrayMap(x -> x - start_rel, cs) AS offset_ms,
  arrayMap((x, p) -> x - p, cs, arrayPushFront(arrayPopBack(arrayFill(x -> x >= 0, cs)), start_rel)) AS prev_ms, cs AS c
WHERE c >= 0`;
}

/**
 * A breakdown's figures in one pass, `other` included, for breakdowns past PLAIN_BREAKDOWN_ROWS rows: per
 * group and step the counts, sums and the medians' states (quantileExact keeps every value, so merged states give
 * the same medians as one aggregation); the groups ranked as compareGroups orders them (users who entered, then the
 * values, no value first); the overall rows merge every group, the listed ones pass through and those ranked past
 * {breakdownLimit} merge into `other`. Its answer is the listed groups and `other` however many groups there are.
 * The engine compares text by bytes (code points), JavaScript by UTF-16 units: they differ only for
 * characters from U+E000 on, so `any_unordered` flags such a value and the caller ranks in JavaScript then.
 */
function rankedStepAggregatesSql(userSql: string, breakdown: FunnelBreakdown[], optional: boolean): string {
  const dims = breakdown.map((d) => dimensionColumn(breakdown, d));
  const order = breakdown.map((d) => (isPropertyBreakdown(d) ? `isNotNull(${dimensionColumn(breakdown, d)}), ifNull(${dimensionColumn(breakdown, d)}, '')` : dimensionColumn(breakdown, d)));
  const unordered = breakdown
    .map((d) => `match(${isPropertyBreakdown(d) ? `ifNull(${dimensionColumn(breakdown, d)}, '')` : `toString(${dimensionColumn(breakdown, d)})`}, '[\\\\x{E000}-\\\\x{10FFFF}]')`)
    .join(" OR ");
  const listedDims = breakdown.map((d) => `if(past_limit = 1, ${isPropertyBreakdown(d) ? "NULL" : "''"}, ${dimensionColumn(breakdown, d)}) AS l_${dimensionColumn(breakdown, d)}`);
  // The overall rows and the groups' in one plain GROUP BY: each group's row comes twice, once as itself
  // (by_group 1) and once with its dimensions blanked (by_group 0), where the engine's GROUPING SETS cost ~200 ms
  // more on 10M events however few rows reach them (by channel, 3 groups).
  const listed = (d: FunnelBreakdown) => `l_${dimensionColumn(breakdown, d)}`;
  const blanked = (d: FunnelBreakdown) => `if(by_group = 1, ${listed(d)}, ${isPropertyBreakdown(d) ? "NULL" : "''"})`;
  const group = (d: FixedFunnelBreakdown) => (breakdown.includes(d) ? blanked(d) : "''");
  const propertyGroups = propertyDimensions(breakdown).map((d, i) => `, ${blanked(d)} AS g_p${i}`).join("");
  return `
SELECT by_group, if(by_group = 1, past_limit, 0) AS is_other,
  ${group("channel")} AS g_channel, ${group("campaign")} AS g_campaign, ${group("source")} AS g_source, ${group("botId")} AS g_bot${propertyGroups},
  k, sum(group_users) AS users, sum(group_sum_ms) AS sum_ms,
  quantileExactLowMerge(0.5)(low_state) AS low_ms, quantileExactHighMerge(0.5)(high_state) AS high_ms,
  sum(group_sum_prev_ms) AS sum_prev_ms, quantileExactLowMerge(0.5)(low_prev_state) AS low_prev_ms, quantileExactHighMerge(0.5)(high_prev_state) AS high_prev_ms,
  max(group_rank) AS groups_total, max(unordered) AS any_unordered
FROM (
  SELECT *, toUInt8(group_rank > {breakdownLimit:UInt32}) AS past_limit, ${listedDims.join(", ")}
  FROM (
    SELECT *, dense_rank() OVER (ORDER BY users_at_1 DESC, ${order.join(", ")}) AS group_rank
    FROM (
      SELECT *, max(if(k = ${optional ? 0 : 1}, group_users, 0)) OVER (PARTITION BY ${dims.join(", ")}) AS users_at_1, toUInt8(${unordered}) AS unordered
      FROM (
        SELECT ${dims.join(", ")}, k, count() AS group_users, sum(offset_ms) AS group_sum_ms,
          quantileExactLowState(0.5)(offset_ms) AS low_state, quantileExactHighState(0.5)(offset_ms) AS high_state,
          sum(prev_ms) AS group_sum_prev_ms, quantileExactLowState(0.5)(prev_ms) AS low_prev_state, quantileExactHighState(0.5)(prev_ms) AS high_prev_state
        ${stepRowsSql(userSql, optional)}
        GROUP BY ${dims.join(", ")}, k
      )
    )
  )
) ARRAY JOIN [toUInt8(0), toUInt8(1)] AS by_group
GROUP BY by_group, is_other, g_channel, g_campaign, g_source, g_bot${propertyDimensions(breakdown).map((_, i) => `, g_p${i}`).join("")}, k`;
}

/** The histogram of one step from its longest time and the users per bin index (absent: 0); arithmetic as the reference's. */
export function stepBins(bins: number, maxMs: number, usersByBin: Map<number, number>): FunnelBin[] {
  return Array.from({ length: bins }, (_, i) => ({ fromSeconds: (i * maxMs) / bins / 1000, toSeconds: ((i + 1) * maxMs) / bins / 1000, users: usersByBin.get(i) ?? 0 }));
}

const ratio = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);

/**
 * Step figures from the per-step aggregates. The reference implementation in tests does the same
 * arithmetic on its own numbers, so equal inputs give bit-identical floats.
 */
export type StepAggregates = Pick<StepRow, "users" | "sum_ms" | "low_ms" | "high_ms" | "sum_prev_ms" | "low_prev_ms" | "high_prev_ms">;

/** Users who entered: row k = 0 where optional steps give one (stepRowsSql), else step 1's users. */
const enteredUsers = (rows: Map<number, Pick<StepAggregates, "users">>): number => rows.get(0)?.users ?? rows.get(1)?.users ?? 0;

/** A group as compareGroups ranks it. */
export interface RankedGroup {
  values: FunnelBreakdownValues;
  entered: number;
}

export function stepResults(steps: FunnelStep[], rows: Map<number, StepAggregates>): FunnelStepResult[] {
  const users = steps.map((_, k) => rows.get(k + 1)?.users ?? 0);
  const entered = enteredUsers(rows);
  const previousUsers = previousRequired(steps).map((p) => (p < 0 ? entered : users[p]!));
  return steps.map((step, k) => {
    const row = rows.get(k + 1);
    const previous = previousUsers[k]!;
    const reached = users[k]!;
    const timed = k > 0 && row !== undefined && row.users > 0;
    return {
      index: k + 1,
      text: funnelStepText(step),
      type: funnelStepTypes(step),
      filters: funnelStepEqualityFilters(step),
      users: reached,
      conversionFromFirst: ratio(reached, entered),
      conversionFromPrevious: ratio(reached, previous),
      dropOff: previous - reached,
      dropOffRate: ratio(previous - reached, previous),
      medianSecondsToConvert: timed ? (row.low_ms + row.high_ms) / 2000 : null,
      meanSecondsToConvert: timed ? Math.round(row.sum_ms / row.users) / 1000 : null,
      medianSecondsFromPrevious: timed ? (row.low_prev_ms + row.high_prev_ms) / 2000 : null,
      meanSecondsFromPrevious: timed ? Math.round(row.sum_prev_ms / row.users) / 1000 : null,
    };
  });
}

/**
 * Per step (0-based), the step its conversion and drop-off are counted from: the nearest earlier required
 * step, or -1 (the users who entered) when there is none. Without optional steps: k − 1, and -1 for step 1,
 * whose users are those who entered.
 */
export function previousRequired(steps: Pick<FunnelStep, "optional">[]): number[] {
  let last = -1;
  return steps.map((step, k) => {
    const previous = last;
    if (!step.optional) last = k;
    return previous;
  });
}

/**
 * Groups order: most users who entered first (step 1's users, unless step 1 is optional and some entered at
 * a later step), then by values (no value first). The reference sorts alike.
 */
export function compareGroups(breakdown: FunnelBreakdown[], a: RankedGroup, b: RankedGroup): number {
  const byUsers = b.entered - a.entered;
  if (byUsers !== 0) return byUsers;
  for (const dimension of breakdown) {
    const x = a.values[dimension] ?? null;
    const y = b.values[dimension] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function groupValues(breakdown: FunnelBreakdown[], row: StepRow): FunnelBreakdownValues {
  const values: FunnelBreakdownValues = {};
  // Fixed dimensions read '' as "no value"; a property's '' is a value and its NULL none.
  const orNull = (text: string) => (text === "" ? null : text);
  const properties = propertyDimensions(breakdown);
  for (const dimension of breakdown) {
    if (isPropertyBreakdown(dimension)) values[dimension] = (properties.indexOf(dimension) === 0 ? row.g_p0 : row.g_p1) ?? null;
    else if (dimension === "channel") values.channel = orNull(row.g_channel) as FunnelBreakdownValues["channel"];
    else if (dimension === "campaign") values.campaign = orNull(row.g_campaign);
    else if (dimension === "source") values.source = orNull(row.g_source);
    else values.botId = orNull(row.g_bot);
  }
  return values;
}

/**
 * The `other` group's figures: the same aggregates over the users of every group not listed, found again by
 * their values (a second pass, only when there are more groups than the limit: medians do not add up).
 * Each dimension is compared as text; a property's NULL and '' differ by a presence flag.
 */
async function otherGroupRows(storage: Storage, userSql: string, params: Record<string, unknown>, breakdown: FunnelBreakdown[], listed: FunnelBreakdownValues[], optional: boolean) {
  const keyParts = breakdown.flatMap((d) => {
    const column = dimensionColumn(breakdown, d);
    return isPropertyBreakdown(d) ? [`if(isNull(${column}), '0', '1')`, `ifNull(${column}, '')`] : [`toString(${column})`];
  });
  const listedKeys = listed.map((values) =>
    breakdown.flatMap((d) => {
      const value = values[d] ?? null;
      return isPropertyBreakdown(d) ? (value === null ? ["0", ""] : ["1", value]) : [value ?? ""];
    }),
  );
  const others = `SELECT * FROM (${userSql}) WHERE NOT has({listedGroups:Array(Array(String))}, [${keyParts.join(", ")}])`;
  const rows = await runQuery(storage, stepAggregatesSql(others, [], undefined, optional), { ...params, listedGroups: listedKeys }, StepRowSchema, { aggregateInOrder: true });
  return new Map(rows.map((row) => [row.k, row]));
}

/**
 * Rows (one per group and step reached, and the overall ones) a breakdown takes from the plain query, which returns
 * every group to be ranked here, before the ranked query takes over. The plain query is the faster of the two (by
 * channel + campaign on 10M events ~850 against ~1,300 ms, 2026-12-03: the ranked one's windows, states and extra
 * stages cost more than they save), and with the second pass `other` then needs (~650–800 ms: the user funnels
 * again, filtered right after their aggregation) only a little slower (~1,600 against ~1,300 ms at breakdownLimit=5);
 * a breakdown by a property with thousands of values would send thousands of groups, so past the bound the ranked
 * query answers, with the listed groups and `other` only. 20,000 rows: 1,000 groups of 20 steps. (When the ranked
 * query finds values the engine orders unlike JavaScript, the plain query runs once more without the bound.)
 */
export const PLAIN_BREAKDOWN_ROWS = 20_000;

/**
 * The per-step rows: overall (by_group 0) and per group. `ranked` when they came from the ranked query, whose
 * groups are the listed ones and `other`; else every group, and `other` is the caller's second pass.
 * {plainRows} is PLAIN_BREAKDOWN_ROWS but for tests that force one query or the other.
 */
async function funnelStepRows(storage: Storage, users: { sql: string; params: Record<string, unknown> }, definition: FunnelDefinition, optional: boolean, limit: number, plainRows: number): Promise<{ rows: StepRow[]; ranked: boolean }> {
  const bins = definition.bins;
  const settings = { aggregateInOrder: true };
  const plain = (maxRows?: number) =>
    runQuery(storage, `${stepAggregatesSql(users.sql, definition.breakdown, bins, optional)}${maxRows === undefined ? "" : `\nLIMIT ${maxRows}`}`, { ...users.params, ...(bins === undefined ? {} : { bins }) }, StepRowSchema, settings);
  if (definition.breakdown.length === 0 || bins !== undefined) return { rows: await plain(), ranked: false };
  const rows = await plain(plainRows + 1);
  if (rows.length <= plainRows) return { rows, ranked: false };
  const answer = await runQuery(storage, rankedStepAggregatesSql(users.sql, definition.breakdown, optional), { ...users.params, breakdownLimit: limit }, StepRowSchema, settings);
  if (!answer.some((row) => row.any_unordered === 1)) return { rows: answer, ranked: true };
  return { rows: await plain(), ranked: false };
}

export async function funnel(storage: Storage, filters: ResolvedFilters, definition: FunnelDefinition, plainRows = PLAIN_BREAKDOWN_ROWS): Promise<FunnelResponse> {
  const users = userFunnelsSql(storage.database, filters, definition);
  const bins = definition.bins;
  const optional = definition.steps.some((step) => step.optional);
  const limit = definition.breakdownLimit ?? DEFAULT_FUNNEL_BREAKDOWN_LIMIT;
  const { rows, ranked } = await funnelStepRows(storage, users, definition, optional, limit, plainRows);
  const overall = new Map<number, StepRow>();
  const otherRows = new Map<number, StepRow>();
  const groups = new Map<string, { row: StepRow; byStep: Map<number, StepRow> }>();
  for (const row of rows) {
    if (row.by_group === 0) {
      overall.set(row.k, row);
      continue;
    }
    if (row.is_other === 1) {
      otherRows.set(row.k, row);
      continue;
    }
    const key = JSON.stringify([row.g_channel, row.g_campaign, row.g_source, row.g_bot, row.g_p0, row.g_p1]);
    const group = groups.get(key) ?? { row, byStep: new Map<number, StepRow>() };
    group.byStep.set(row.k, row);
    groups.set(key, group);
  }
  const sorted: FunnelBreakdownGroup[] = [...groups.values()]
    .map((group) => ({ values: groupValues(definition.breakdown, group.row), steps: stepResults(definition.steps, group.byStep), entered: enteredUsers(group.byStep) }))
    .sort((a, b) => compareGroups(definition.breakdown, a, b))
    .map(({ values, steps }) => ({ values, steps }));
  // The ranked query answers the listed groups and `other` itself; the plain one every group.
  // Each overall row (one per step k) ranks only the groups with users at that step, so the count is the largest
  // over every step: a group whose users all stop at the first step is counted by that step's row alone.
  const ranks = [...overall.values()].map((row) => row.groups_total).filter((total): total is number => total !== undefined);
  const groupCount = ranks.length > 0 ? Math.max(...ranks) : sorted.length;
  const listed: FunnelBreakdownGroup[] = sorted.slice(0, limit);
  if (groupCount > limit) {
    const other = ranked ? otherRows : await otherGroupRows(storage, users.sql, users.params, definition.breakdown, listed.map((group) => group.values), optional);
    listed.push({ values: {}, steps: stepResults(definition.steps, other), other: true });
  }
  return {
    range: { from: new Date(filters.fromMs).toISOString(), to: new Date(filters.toMs).toISOString(), tz: filters.tz },
    mode: definition.mode,
    windowSeconds: definition.window,
    steps: stepResults(definition.steps, overall),
    breakdown: definition.breakdown,
    breakdowns: listed,
    breakdownsTruncated: groupCount > limit,
    ...(bins === undefined ? {} : { timeToConvertBins: timeToConvertBins(definition.steps.length, bins, overall) }),
  };
}

function timeToConvertBins(steps: number, bins: number, overall: Map<number, StepRow>): FunnelStepBins[] {
  return Array.from({ length: steps - 1 }, (_, index) => {
    const row = overall.get(index + 2);
    if (row === undefined || row.users === 0) return { step: index + 2, bins: [] };
    const usersByBin = new Map((row.hist_bins ?? []).map((bin, i) => [bin, row.hist_users?.[i] ?? 0]));
    return { step: index + 2, bins: stepBins(bins, row.max_ms ?? 0, usersByBin) };
  });
}
