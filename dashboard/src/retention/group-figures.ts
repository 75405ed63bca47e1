import type { RetentionCohortRow, RetentionGroup } from "@chatfunnel/schemas";

/**
 * The period LTV is compared at when the reader has not picked one: the furthest period reached by cohorts holding
 * more than half of the users. A group's figure at a period is over the cohorts that reached it, so the furthest
 * periods rest on the oldest cohort alone (one week of users, a noisy tail); past half of the users the figure still
 * speaks for the campaign.
 */
export function defaultLtvPeriod(cohorts: readonly Pick<RetentionCohortRow, "size" | "cells">[], periods: number): number {
  const total = cohorts.reduce((sum, row) => sum + row.size, 0);
  let chosen = 0;
  for (let period = 0; period < periods; period++) {
    const reached = cohorts.reduce((sum, row) => sum + (row.cells[period]?.observed ? row.size : 0), 0);
    if (reached * 2 > total) chosen = period;
  }
  return chosen;
}

/** A group's cumulative revenue per user (LTV) at the period, as the API answers it; null when no cohort reached it. */
export function ltvAt(group: Pick<RetentionGroup, "cells">, period: number): number | null {
  return group.cells.find((cell) => cell.period === period)?.revenuePerUser ?? null;
}

/** LTV over CAC: above 1 the group's users have brought more than they cost. null without spend. */
export function ltvToCac(ltv: number | null, cac: number | null): number | null {
  return ltv === null || cac === null || cac === 0 ? null : ltv / cac;
}

/** How many groups a chart draws (the palette's colours, a readable row of bars); its table lists them all. */
export const CHART_GROUPS = 7;
export const CHART_CAMPAIGNS = 12;
