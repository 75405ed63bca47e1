import { isPropertyBreakdown, stepWithinSeconds, type FixedFunnelBreakdown, type FunnelBreakdown, type FunnelMode } from "@chatfunnel/schemas";
import { FIRST_TOUCH_NO_STATE, eventScope, firstTouchCampaignMerge, firstTouchRowsSql, type ResolvedFilters } from "@chatfunnel/warehouse";
import type { FunnelDefinition } from "./definition.js";
import { MASK_BITS, keyLayoutFor, keyMaskSql, keySql, keyTimeSql } from "./keys.js";
import { ANY } from "./modes/any.js";
import type { FunnelModeSql } from "./modes/mode.js";
import { ORDERED } from "./modes/ordered.js";
import { ORDERED_WINDOWED } from "./modes/ordered-windowed.js";
import { orderedOptionalLayers, orderedOptionalStepEvent } from "./modes/ordered-optional.js";
import { STRICT } from "./modes/strict.js";
import { strictOptionalLayers } from "./modes/strict-optional.js";
import { stepMaskSql } from "./step-conditions.js";

/**
 * The per-user half of a funnel: one row per user who entered it, with the furthest step reached (`level`),
 * the start of the chosen attempt (`start_rel`) and when each step 1..level was completed (`completed`), all
 * in ms relative to `from`. The semantics are documented in schemas/src/api/funnel.ts.
 *
 * How: each user's events in [from, to + window) become one sorted array of distinct keys (keys.ts: time,
 * steps matched and, where the mode needs it, the event id's hash); the mode's SQL (modes/) then finds the
 * attempts on small arrays per user.
 */

export const FUNNEL_MODES_SQL: Record<FunnelMode, FunnelModeSql> = { ordered: ORDERED, strict: STRICT, any: ANY };

/**
 * First-touch values per user over the events in scope: earliest by (time, event id as text), as in
 * warehouse/first-touch.ts.
 * The id's text is only needed on rows that have a value: if() evaluates it lazily, on those rows alone.
 */
const DIMENSION_AGGREGATES: Record<Exclude<FunnelBreakdown, "channel">, string> = {
  campaign: "argMinIf(source_campaign, (ts, if(source_campaign != '', toString(event_id), '')), source_campaign != '')",
  source: "argMinIf(source_source, (ts, if(source_source != '', toString(event_id), '')), source_source != '')",
  botId: "argMin(bot_id, (ts, toString(event_id)))",
};

/** Output column of each fixed breakdown dimension: identifiers come only from this allow-list. */
export const DIMENSION_COLUMNS: Record<FixedFunnelBreakdown, string> = {
  channel: "channel",
  campaign: "d_campaign",
  source: "d_source",
  botId: "d_bot",
};

/** The property dimensions of a breakdown, in order: their columns are d_p0, d_p1 (Nullable(String)), their names parameters. */
export const propertyDimensions = (breakdown: FunnelBreakdown[]): FunnelBreakdown[] => breakdown.filter(isPropertyBreakdown);

/** The column of any dimension of this breakdown. */
export function dimensionColumn(breakdown: FunnelBreakdown[], dimension: FunnelBreakdown): string {
  return isPropertyBreakdown(dimension) ? `d_p${propertyDimensions(breakdown).indexOf(dimension)}` : DIMENSION_COLUMNS[dimension as FixedFunnelBreakdown];
}

export interface UserFunnelsQuery {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * Where the campaign of a campaign breakdown comes from; tests force each to prove them equal (the rollup
 * holds only without a botId filter, which campaignPath checks).
 */
export type CampaignPath = "rollup" | "events";

/**
 * The campaign breakdown is first touch over the user's events in scope. Without a botId filter that is all
 * of the user's events, which is what the first-touch rollup (warehouse/first-touch.ts) holds: its rows beside
 * the step events in the per-user GROUP BY keep the scan narrow (only step events in the span) instead of
 * reading every event of every user (by channel + campaign on 10M events: ~900 → ~750 ms of CPU). With a botId filter, or with
 * source or botId in the breakdown too (the scan widens anyway), the events answer.
 */
export function campaignPath(filters: ResolvedFilters, definition: FunnelDefinition): CampaignPath {
  // Property values at a step come from the step events, which the narrow scan reads anyway.
  const atStep = definition.breakdownAttribution?.kind === "step";
  const firstTouch = definition.breakdown.filter((d) => d !== "channel" && !(atStep && isPropertyBreakdown(d)));
  return filters.botId === undefined && firstTouch.length === 1 && firstTouch[0] === "campaign" ? "rollup" : "events";
}

export function userFunnelsSql(db: string, filters: ResolvedFilters, definition: FunnelDefinition, campaignFrom = campaignPath(filters, definition)): UserFunnelsQuery {
  // Per-step windows make ordered funnels existential: a module of their own, the default one stays as tuned.
  const within = definition.steps.map((step) => step.within !== undefined);
  // Exclusions matter in ordered mode only: in strict mode any event between two steps already ends the attempt.
  const exclusions = definition.mode === "ordered" ? (definition.exclusions ?? []) : [];
  const optional = definition.steps.map((step) => step.optional === true);
  // Optional steps in ordered mode: the existential passes of modes/ordered-optional.ts, one SELECT per step.
  const layered = definition.mode === "ordered" && optional.some(Boolean);
  // In strict mode: the run's step assignment is existential too, the passes of modes/strict-optional.ts.
  const strictLayered = definition.mode === "strict" && optional.some(Boolean);
  const mode = definition.mode === "ordered" && (layered || within.some(Boolean) || exclusions.length > 0) ? ORDERED_WINDOWED : FUNNEL_MODES_SQL[definition.mode];
  // hold: outside strict mode each user's step events are split by the held value (partitions, joined back
  // per user below); strict mode needs the user's whole run of events, so it compares the values instead.
  const hold = definition.hold;
  const partitioned = hold !== undefined && definition.mode !== "strict";
  const exclusionMask = stepMaskSql(exclusions.map((x) => x.step), "ex");
  const mask = stepMaskSql(definition.steps);
  const windowMs = definition.window * 1000;
  const rollupCampaign = campaignFrom === "rollup" && definition.breakdown.includes("campaign");
  const firstTouch = definition.breakdown.filter(
    (d): d is Exclude<FixedFunnelBreakdown, "channel"> => !isPropertyBreakdown(d) && d !== "channel" && !(rollupCampaign && d === "campaign"),
  );
  const properties = propertyDimensions(definition.breakdown);
  const attribution = definition.breakdownAttribution ?? { kind: "first_touch" };
  const propertyParams = Object.fromEntries(properties.map((d, i) => [`bk${i}`, d.slice("properties.".length)]));
  const hasProperty = (i: number) => `mapContains(properties, {bk${i}:String})`;
  const scope = eventScope(filters, db);
  const layout = keyLayoutFor(definition, mode.needsEventId);
  const inRange = "ts >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({endMs:Int64}, 'UTC')";
  // First-touch values look at all of the user's events, and separators need the others' times: then the
  // scan widens and each array picks its rows by If.
  const wide = firstTouch.length > 0 || (properties.length > 0 && attribution.kind === "first_touch");
  const narrow = !wide && !mode.separators && exclusions.length === 0;
  // `type IN` repeats what mask != 0 says in a form the engine can apply first, on the cheap type column.
  const where = wide
    ? scope.sql
    : `${scope.sql} AND ${inRange}${mode.separators ? "" : exclusions.length > 0 ? " AND type IN {scanTypes:Array(String)}" : " AND type IN {stepTypes:Array(String)} AND mask != 0"}`;
  // Each exclusion's event times, sorted (modes/ordered-windowed.ts counts them around each step event).
  const exclusionTimes = exclusions.map((_, x) => `arraySort(groupArrayIf(toUnixTimestamp64Milli(ts) - {fromMs:Int64}, ${inRange} AND bitTest(exmask, ${x}))) AS ex${x}`);
  const exclusionColumns = exclusions.map((_, x) => `ex${x}`);
  const keyed = hold === undefined ? "key" : "(key, hv)";
  // The rollup's rows (rollupCampaign) carry no key: mask 0 and a time before the range leave them out of every array.
  const keys = narrow && !rollupCampaign ? `groupArray(${keyed})` : `groupArrayIf(${keyed}, ${inRange} AND mask != 0)`;
  // The held value as text with a presence flag; outside strict mode an event without it is a partition of its
  // own (its key): nothing else can carry "its" value, so its chains end at it.
  const heldValue = `if(mapContains(properties, {hold:String}), concat('1', properties[{hold:String}]), ${partitioned ? "concat('0', toString(key))" : "'0'"})`;
  // Strict mode with hold: events equal in time and steps are not interchangeable when their held values differ
  // (the very next event decides), so they sort by it, those carrying a value first, before the id's hash.
  // Partitioned: sorted by held value first, so each value's keys are one run, in key order (split below).
  const sortedKeys =
    hold === undefined
      ? `arraySort(${keys})`
      : partitioned
        ? `arraySort(x -> (x.2, x.1), ${keys})`
        : `arraySort(x -> (bitShiftRight(x.1, ${layout.mask}), x.2 = '0', x.2, x.1), ${keys})`;
  const seps = mode.separators ? `groupArrayIf(toUnixTimestamp64Milli(ts) - {fromMs:Int64}, ${inRange} AND mask = 0) AS seps, ` : "";
  // The rollup's campaign is one more first-touch dimension, from its rows in the same GROUP BY (firstTouchRowsSql).
  const dims = [
    ...firstTouch.map((d) => `${DIMENSION_AGGREGATES[d]} AS ${DIMENSION_COLUMNS[d]}`),
    ...(rollupCampaign ? [`${firstTouchCampaignMerge("from_rollup = 1")} AS ${DIMENSION_COLUMNS.campaign}`] : []),
  ];
  const dimColumns = [...firstTouch, ...(rollupCampaign ? (["campaign"] as const) : [])].map((d) => DIMENSION_COLUMNS[d]);
  // Property values. First touch: as the fixed dimensions, NULL when no event has the property. At step k:
  // per user the (time, steps matched, text) of the step events having it, sorted, so the first entry equal
  // to the step event's (time, mask) holds the smallest text among the events interchangeable with it.
  const atStep = attribution.kind === "step" ? attribution.step : 0;
  const prefix = (time: string, mask: string) => `bitOr(bitShiftLeft(toUInt64(${time}), ${MASK_BITS}), toUInt64(${mask}))`;
  const propertyAggregates = properties.map((_, i) =>
    atStep === 0
      ? `argMinIf(toNullable(properties[{bk${i}:String}]), (ts, if(${hasProperty(i)}, toString(event_id), '')), ${hasProperty(i)}) AS d_p${i}`
      : `arraySort(groupArrayIf((${prefix("toUnixTimestamp64Milli(ts) - {fromMs:Int64}", "mask")}, properties[{bk${i}:String}]), ${inRange} AND mask != 0 AND ${hasProperty(i)})) AS pv${i}`,
  );
  const propertyCarried = properties.map((_, i) => (atStep === 0 ? `d_p${i}` : `pv${i}`));
  // Both layered modes name each step's event position `chain` (0: skipped).
  const stepEvent = atStep === 0 ? undefined : layered || strictLayered ? orderedOptionalStepEvent(atStep) : mode.stepEventSql(atStep, layout);
  const attributed = stepEvent === undefined ? [] : [`${prefix(stepEvent.time, stepEvent.mask)} AS attr_key`];
  const propertyColumns = properties.map((_, i) => {
    if (atStep === 0) return `d_p${i}`;
    const at = `arrayFirstIndex(x -> x.1 = attr_key, pv${i})`;
    return `if(level >= ${atStep} AND completed[${atStep}] >= 0 AND ${at} > 0, toNullable(pv${i}[${at}].2), NULL) AS d_p${i}`;
  });
  const outerColumns = [...dimColumns, ...propertyColumns, ""].join(", ");
  const carried = [...dimColumns, ...propertyCarried, ...attributed, ""].join(", ");
  const withProperties = properties.length > 0 || hold !== undefined;
  const stepEvents = `
      SELECT channel, user_id, ts, event_id, bot_id, source_campaign, source_source,${withProperties ? " properties," : ""}
        ${mask.sql} AS mask,${exclusions.length > 0 ? `
        ${exclusionMask.sql} AS exmask,` : ""}
        ${keySql(layout)} AS key${hold === undefined ? "" : `,
        ${heldValue} AS hv`}${rollupCampaign ? `, toUInt8(0) AS from_rollup, ${FIRST_TOUCH_NO_STATE} AS first_touch` : ""}
      FROM ${db}.events
      WHERE ${where}`;
  // Each of stepEvents' columns for a rollup row, in its order: nothing an array or a step condition picks up.
  const rollupFillers = [
    "toDateTime64(0, 3, 'UTC') AS ts, toUUID('00000000-0000-0000-0000-000000000000') AS event_id, '' AS bot_id, '' AS source_campaign, '' AS source_source",
    ...(withProperties ? ["CAST(map(), 'Map(String, String)') AS properties"] : []),
    "toUInt32(0) AS mask",
    ...(exclusions.length > 0 ? ["toUInt32(0) AS exmask"] : []),
    "toUInt64(0) AS key",
    ...(hold === undefined ? [] : ["'' AS hv"]),
    "toUInt8(1) AS from_rollup",
  ].join(", ");
  const rows = rollupCampaign ? `${stepEvents}
      UNION ALL
      ${firstTouchRowsSql(db, rollupFillers)}` : stepEvents;
  const grouped = `
    SELECT channel, user_id, ${[...dims, ...propertyAggregates, ...exclusionTimes, ""].join(", ")}${seps}arrayCompact(${sortedKeys}) AS ${hold === undefined ? "keys" : "kh"}
    FROM (${rows}
    )
    GROUP BY channel, user_id`;
  // One row per (user, held value): the keys of that value's events, one run of the sorted keys each (a filter per
  // value would read every key once per value); or (strict) the values beside the keys.
  const perUser =
    hold === undefined
      ? grouped
      : partitioned
        ? `
    SELECT * EXCEPT (kh), run[1].2 AS part, arrayMap(x -> x.1, run) AS keys FROM (${grouped}
    ) ARRAY JOIN arraySplit((x, p) -> x.2 != p, kh, arrayShiftRight(arrayMap(x -> x.2, kh), 1, '')) AS run`
        : `
    SELECT * EXCEPT (kh), arrayMap(x -> x.1, kh) AS keys, arrayMap(x -> x.2, kh) AS h FROM (${grouped}
    )`;
  const partColumn = partitioned ? "part, " : hold !== undefined ? "h, " : "";
  const arrays = `arrayMap(x -> ${keyTimeSql(layout, "x")}, keys) AS t,
    arrayMap(x -> ${keyMaskSql(layout, "x")}, keys) AS m`;
  const n = definition.steps.length;
  // A mode with a first pass gets a SELECT of its own for it: the engine copies an alias's expression into every
  // use, so a long chain of aliases in one SELECT outgrows its query-tree limit.
  const innermost = `
        SELECT channel, user_id, ${[...dimColumns, ...propertyCarried, ...exclusionColumns, ""].join(", ")}${partColumn}${mode.separators ? "seps, " : ""}${arrays}${
          mode.columnsSql === undefined || exclusions.length === 0 ? "" : `,\n        ${mode.columnsSql(exclusions)}`
        }
        FROM (${perUser}
        )`;
  const layers = layered
    ? orderedOptionalLayers({ n, within, optional, exclusions })
    : strictLayered
      ? strictOptionalLayers({ n, within, optional, hold: hold !== undefined })
      : undefined;
  const attempts = layers
    ? `
  SELECT *${attributed.map((column) => `, ${column}`).join("")} FROM (${layers.reduce(
      (inner, layer) => `
    SELECT *, ${layer} FROM (${inner}
    )`,
      innermost,
    )}
  )`
    : mode.preSql === undefined
      ? `
  SELECT channel, user_id, ${carried}${partColumn}${mode.separators ? "seps, " : ""}
    ${arrays},
    ${mode.attemptsSql(n, layout, within, exclusions, { hold: hold !== undefined, optional })}
  FROM (${perUser}
  )`
      : `
  SELECT *${attributed.map((column) => `, ${column}`).join("")} FROM (
    SELECT *, ${mode.attemptsSql(n, layout, within, exclusions)}
    FROM (
      SELECT *, ${mode.preSql(n, layout, within, exclusions)}
      FROM (${innermost}
      )
    )
  )`;
  const perAttempt = `
SELECT channel, user_id, ${outerColumns}${partitioned ? "part, " : ""}level, start_rel, completed FROM (${attempts}
)
WHERE level > 0`;
  // hold: per user the best partition's attempt: the furthest, then the earliest start, then the smallest
  // completion times step by step, then the step:k values (none first, then the smallest text). Outcomes still
  // tied are the same outcome.
  const propertyNames = properties.map((_, i) => `d_p${i}`);
  const users = !partitioned
    ? perAttempt
    : `
SELECT channel, user_id, ${[...dimColumns, ""].join(", ")}${propertyNames.map((c, i) => `best.${4 + i} AS ${c}, `).join("")}best.1 AS level, best.2 AS start_rel, best.3 AS completed FROM (
  SELECT channel, user_id, ${dimColumns.map((c) => `any(${c}) AS ${c}, `).join("")}argMin((level, start_rel, completed${propertyNames.map((c) => `, ${c}`).join("")}),
    (toInt64(-level), start_rel, completed${propertyNames.map((c) => `, isNotNull(${c}), ifNull(${c}, '')`).join("")}, part)) AS best
  FROM (${perAttempt}
  )
  GROUP BY channel, user_id
)`;
  // A user without a campaign has no rollup row: the merge of no state is '', the "no value" group. One with a
  // campaign and no step event is a group of rollup rows alone: no keys, no attempt, left out by `level > 0`.
  return {
    sql: users,
    params: {
      ...scope.params,
      ...mask.params,
      ...exclusionMask.params,
      ...propertyParams,
      ...(hold === undefined ? {} : { hold }),
      withinList: definition.steps.map((step) => (step.within === undefined ? -1 : stepWithinSeconds(step)! * 1000)),
      exFrom: exclusions.map((x) => x.fromStep),
      exTo: exclusions.map((x) => x.toStep),
      scanTypes: [...new Set([...definition.steps, ...exclusions.map((x) => x.step)].flatMap((step) => step.anyOf.map((alternative) => alternative.type)))],
      ...Object.fromEntries(definition.steps.flatMap((step, k) => (step.within === undefined ? [] : [[`within${k}`, stepWithinSeconds(step)! * 1000]]))),
      n: definition.steps.length,
      stepTypes: [...new Set(definition.steps.flatMap((step) => step.anyOf.map((alternative) => alternative.type)))],
      windowMs,
      fromMs: filters.fromMs,
      toRelMs: filters.toMs - filters.fromMs,
      endMs: filters.toMs + windowMs,
    },
  };
}
