import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import {
  MAX_RETENTION_GROUPS,
  type Channel,
  type RetentionCell,
  type RetentionCohortRow,
  type RetentionGroup,
  type RetentionGroupCell,
  type RetentionResponse,
  type RetentionUsersResponse,
} from "@chatfunnel/schemas";
import { amountOf, currencyTotals, eventScope, runQuery, UnitsSchema, type ResolvedFilters, type Units } from "@chatfunnel/warehouse";
import { boundToUtcMs } from "../http/time-range.js";
import { nextBucket } from "./buckets.js";
import { chooseCurrency, otherCurrencies, ratio, reportedTotals, round4 } from "./money.js";
import { rangeEcho } from "./range-echo.js";
import { retentionCellsSql, retentionSpendSql, retentionUsersSql, type RetentionDefinition } from "./retention/retention-sql.js";
import { byteOrderNullLast } from "./surveys/text-order.js";

export type { RetentionDefinition } from "./retention/retention-sql.js";

const count = z.coerce.number().int().nonnegative();
const CellsRowSchema = z.object({ cohort_bucket: z.string(), grp: z.string(), size: count, retained: z.array(count), revenue: z.array(UnitsSchema) });
const SpendRowSchema = z.object({ bucket: z.string(), key: z.string(), spend: UnitsSchema });
const UserRowSchema = z.object({ channel: z.string(), user_id: z.string(), c_ms: z.coerce.number(), returned_ms: z.coerce.number(), total: count });
const CountRowSchema = z.object({ total: count });

/** '' in SQL is "no value": the null group. */
const groupOf = (text: string): string | null => (text === "" ? null : text);

/** A period of a cohort as instants: from local midnight of its first day to that of the next bucket's. */
interface PeriodSpan {
  observed: boolean;
  complete: boolean;
}

function periodSpans(cohortStart: string, definition: RetentionDefinition, filters: ResolvedFilters): PeriodSpan[] {
  const spans: PeriodSpan[] = [];
  let label = cohortStart;
  for (let p = 0; p < definition.periods; p++) {
    const next = nextBucket(label, definition.interval);
    spans.push({ observed: boundToUtcMs(label, filters.tz) < filters.toMs, complete: boundToUtcMs(next, filters.tz) <= filters.toMs });
    label = next;
  }
  return spans;
}

/** Spend per user or null (none); payback = the first observed period whose cumulative revenue per user reaches it, compared exactly. */
function cacAndPayback(spend: Units | null, size: number, cumulative: ({ revenue: Units; size: number } | null)[]): { cac: number | null; paybackPeriod: number | null } {
  if (spend === null || spend === 0n) return { cac: null, paybackPeriod: null };
  // revenue / observedSize ≥ spend / size, in integers.
  const paid = cumulative.findIndex((cell) => cell !== null && cell.size > 0 && cell.revenue * BigInt(size) >= spend * BigInt(cell.size));
  return { cac: round4(amountOf(spend) / size), paybackPeriod: paid === -1 ? null : paid };
}

const perUser = (units: Units, size: number): number => round4(amountOf(units) / size);

interface CohortFacts {
  start: string;
  group: string | null;
  size: number;
  retained: number[];
  /** Cumulative revenue units to the end of each period. */
  cumulative: Units[];
  spans: PeriodSpan[];
}

function cumulativeUnits(perPeriod: Units[]): Units[] {
  let sum = 0n;
  return perPeriod.map((units) => (sum += units));
}

/**
 * GET /api/v1/retention: cohorts by first event, lead or order, users retained per period, LTV, CAC and
 * payback, per cohort and per group. Definitions: schemas/src/api/retention.ts (RETENTION_SEMANTICS).
 */
export async function retention(storage: Storage, filters: ResolvedFilters, definition: RetentionDefinition): Promise<RetentionResponse> {
  const db = storage.database;
  const scope = eventScope(filters, db);
  const totals = reportedTotals(await currencyTotals(storage, scope, filters));
  const currency = chooseCurrency(totals, filters.currency);
  const params = { ...scope.params, currency, periods: definition.periods, returnType: definition.returnType ?? "" };
  const withSpend = definition.breakdown !== "source";
  const [rows, spendRows] = await Promise.all([
    runQuery(storage, retentionCellsSql(scope.sql, db, definition), params, CellsRowSchema),
    withSpend ? runQuery(storage, retentionSpendSql(filters, db, definition), params, SpendRowSchema) : Promise.resolve([]),
  ]);

  const spendOf = new Map<string, Units>();
  const groupSpend = new Map<string, Units>();
  for (const row of spendRows) {
    spendOf.set(JSON.stringify([row.bucket, row.key]), row.spend);
    groupSpend.set(row.key, (groupSpend.get(row.key) ?? 0n) + row.spend);
  }
  const spansOf = new Map<string, PeriodSpan[]>();
  const facts: CohortFacts[] = rows.map((row) => {
    let spans = spansOf.get(row.cohort_bucket);
    if (!spans) spansOf.set(row.cohort_bucket, (spans = periodSpans(row.cohort_bucket, definition, filters)));
    return { start: row.cohort_bucket, group: groupOf(row.grp), size: row.size, retained: row.retained, cumulative: cumulativeUnits(row.revenue), spans };
  });

  // Groups, largest first; those past the cap leave with their cohorts.
  const sizes = new Map<string | null, number>();
  for (const fact of facts) sizes.set(fact.group, (sizes.get(fact.group) ?? 0) + fact.size);
  const ranked = [...sizes].sort(([a, x], [b, y]) => y - x || byteOrderNullLast(a, b));
  const kept = new Set(ranked.slice(0, MAX_RETENTION_GROUPS).map(([group]) => group));
  const spendKey = (group: string | null) => group ?? "";

  const cohorts: RetentionCohortRow[] = facts
    .filter((fact) => kept.has(fact.group))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : b.size - a.size || byteOrderNullLast(a.group, b.group)))
    .map((fact) => {
      const cells: RetentionCell[] = fact.spans.map((span, p) => {
        const users = span.observed ? (fact.retained[p] ?? 0) : null;
        return {
          period: p,
          observed: span.observed,
          complete: span.complete,
          users,
          share: users === null ? null : ratio(users, fact.size),
          revenuePerUser: span.observed ? perUser(fact.cumulative[p] ?? 0n, fact.size) : null,
        };
      });
      const spend = withSpend ? (spendOf.get(JSON.stringify([fact.start, spendKey(fact.group)])) ?? null) : null;
      const observed = fact.spans.map((span, p) => (span.observed ? { revenue: fact.cumulative[p] ?? 0n, size: fact.size } : null));
      return { start: fact.start, group: fact.group, size: fact.size, ...cacAndPayback(spend, fact.size, observed), cells };
    });

  const groups: RetentionGroup[] = ranked.slice(0, MAX_RETENTION_GROUPS).map(([group, size]) => {
    const mine = facts.filter((fact) => fact.group === group);
    const sums = Array.from({ length: definition.periods }, (_, p) => {
      const seen = mine.filter((fact) => fact.spans[p]!.observed);
      if (seen.length === 0) return null;
      return {
        users: seen.reduce((sum, fact) => sum + (fact.retained[p] ?? 0), 0),
        size: seen.reduce((sum, fact) => sum + fact.size, 0),
        revenue: seen.reduce((sum, fact) => sum + (fact.cumulative[p] ?? 0n), 0n),
      };
    });
    const cells: RetentionGroupCell[] = sums.map((sum, p) => ({
      period: p,
      users: sum?.users ?? null,
      share: sum ? ratio(sum.users, sum.size) : null,
      revenuePerUser: sum ? perUser(sum.revenue, sum.size) : null,
    }));
    const spend = withSpend ? (groupSpend.get(spendKey(group)) ?? null) : null;
    return { group, size, ...cacAndPayback(spend, size, sums), cells };
  });

  return {
    range: rangeEcho(filters),
    interval: definition.interval,
    periods: definition.periods,
    cohort: definition.cohort,
    return: definition.returnType ?? "any",
    breakdown: definition.breakdown ?? null,
    currency,
    otherCurrencies: otherCurrencies(totals, currency),
    cohorts,
    groups,
    groupsTruncated: ranked.length > MAX_RETENTION_GROUPS,
  };
}

/** One cell of the table whose users are listed. */
export interface RetentionCellPage {
  cohortStart: string;
  period: number;
  /** undefined: every group of the cohort start; null: users without a value. */
  group: string | null | undefined;
  limit: number;
  offset: number;
}

/**
 * GET /api/v1/retention/users: the users retained in one cell, one page ordered by (channel, userId) as bytes,
 * each with their cohort event and their first return in the period; `total` counts them all.
 */
export async function retentionUsers(storage: Storage, filters: ResolvedFilters, definition: RetentionDefinition, page: RetentionCellPage): Promise<RetentionUsersResponse> {
  const db = storage.database;
  const scope = eventScope(filters, db);
  let periodStart = page.cohortStart;
  for (let p = 0; p < page.period; p++) periodStart = nextBucket(periodStart, definition.interval);
  const params = {
    ...scope.params,
    periodFromMs: boundToUtcMs(periodStart, filters.tz),
    periodToMs: boundToUtcMs(nextBucket(periodStart, definition.interval), filters.tz),
    // The cohort fact also sums revenue, which a list of users does not report: any currency will do.
    currency: filters.currency ?? "",
    periods: definition.periods,
    returnType: definition.returnType ?? "",
    cohortBucket: page.cohortStart,
    period: page.period,
    byGroup: page.group === undefined ? 0 : 1,
    group: page.group ?? "",
    limit: page.limit,
    offset: page.offset,
  };
  const rows = await runQuery(storage, retentionUsersSql(scope.sql, db, definition, "page"), params, UserRowSchema);
  // A page past the end has no rows to carry the total: count separately then.
  const total =
    rows[0]?.total ??
    (page.offset === 0 ? 0 : ((await runQuery(storage, retentionUsersSql(scope.sql, db, definition, "count"), params, CountRowSchema))[0]?.total ?? 0));
  return {
    cohortStart: page.cohortStart,
    period: page.period,
    ...(page.group === undefined ? {} : { group: page.group }),
    total,
    limit: page.limit,
    offset: page.offset,
    users: rows.map((row) => ({ channel: row.channel as Channel, userId: row.user_id, cohortAt: new Date(row.c_ms).toISOString(), returnedAt: new Date(row.returned_ms).toISOString() })),
  };
}
