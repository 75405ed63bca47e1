import type { RetentionGroup } from "@chatfunnel/schemas";

/**
 * A group's revenue per user to date: its cumulative LTV at the furthest period any of its cohorts reached, with
 * that period (the figure is over the cohorts that reached it). null when no period was observed.
 */
export function ltvToDate(group: Pick<RetentionGroup, "cells">): { period: number; revenuePerUser: number } | null {
  for (let i = group.cells.length - 1; i >= 0; i--) {
    const cell = group.cells[i]!;
    if (cell.revenuePerUser !== null) return { period: cell.period, revenuePerUser: cell.revenuePerUser };
  }
  return null;
}

/** LTV over CAC: above 1 the group has paid for itself so far. null without spend. */
export function ltvToCac(ltv: number | null, cac: number | null): number | null {
  return ltv === null || cac === null || cac === 0 ? null : ltv / cac;
}

/** How many groups a chart draws (the palette's colours); its table lists them all. */
export const CHART_GROUPS = 7;
export const CHART_CAMPAIGNS = 12;
