import type { Storage } from "@chatfunnel/core";
import type { ChannelFigures, DigestChannel, DigestContent, DigestSchedule, OverviewFigures, ProjectLanguage } from "@chatfunnel/schemas";
import type { DigestRecord, ResolvedFilters } from "@chatfunnel/warehouse";
import { channels } from "../metrics/channels.js";
import { overview } from "../metrics/overview.js";
import { timeseries } from "../metrics/timeseries.js";
import { addDays, localTimeMs, previousPeriod, toDigestPeriod, type LocalPeriod } from "./periods.js";

/**
 * What a digest says, as numbers: nothing here defines a figure. The headline figures are the overview
 * metric's answer for the period (and for the period before), the channel ranking is read off the channels
 * metric's answer, and the chart's leads per day are the timeseries metric's, so a digest always agrees with
 * what the dashboard shows for the same dates and filters.
 */

/** How many local days the chart shows per line: the 7 days ending with the period, and the 7 before. */
export const CHART_DAYS = 7;

function filtersOf(digest: DigestRecord, period: LocalPeriod, tz: string): ResolvedFilters {
  return {
    projectId: digest.projectId,
    fromMs: localTimeMs(period.from, tz),
    toMs: localTimeMs(period.to, tz),
    tz,
    channels: digest.filters.channel,
    botId: digest.filters.botId,
    campaign: digest.filters.campaign,
    currency: digest.filters.currency,
  };
}

/** Relative change, null without a base to compare with (0 or no value before, or no value now). */
function relative(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return Math.round(((current - previous) / previous) * 1e4) / 1e4;
}

/** Changes of each headline figure: relative for counts, money and ROAS; in points for the resolution rate (a rate of a rate says little). */
export function figureChanges(current: OverviewFigures, previous: OverviewFigures): Record<string, number | null> {
  const amount = (value: { amount: number } | null) => (value === null ? null : value.amount);
  return {
    users: relative(current.users, previous.users),
    newUsers: relative(current.newUsers, previous.newUsers),
    sessions: relative(current.sessions, previous.sessions),
    leads: relative(current.leads, previous.leads),
    orders: relative(current.orders, previous.orders),
    revenue: relative(current.revenue.amount, previous.revenue.amount),
    spend: relative(current.spend.amount, previous.spend.amount),
    cpl: relative(amount(current.cpl), amount(previous.cpl)),
    cpo: relative(amount(current.cpo), amount(previous.cpo)),
    roas: relative(current.roas, previous.roas),
    resolutionRate:
      current.resolutionRate === null || previous.resolutionRate === null ? null : Math.round((current.resolutionRate - previous.resolutionRate) * 1e4) / 1e4,
  };
}

/**
 * Best and worst channel by CPL. Only channels with both spend and leads have a CPL worth ranking: a channel
 * without spend (organic, or its spend not imported) would always be "best" at 0, and one with spend and no
 * lead has no CPL at all, so it is named apart (spendWithoutLeads). Equal CPLs go to the channel name.
 */
export function rankChannelsByCpl(figures: ChannelFigures[]): Pick<DigestContent, "bestChannel" | "worstChannel" | "spendWithoutLeads"> {
  const ranked: DigestChannel[] = figures
    .filter((row) => row.spend.amount > 0 && row.leads > 0 && row.cpl !== null)
    .map((row) => ({ channel: row.channel, cpl: row.cpl ?? row.spend, spend: row.spend, leads: row.leads }))
    .sort((a, b) => a.cpl.amount - b.cpl.amount || a.channel.localeCompare(b.channel));
  return {
    bestChannel: ranked[0] ?? null,
    worstChannel: ranked.length >= 2 ? (ranked[ranked.length - 1] ?? null) : null,
    spendWithoutLeads: figures.filter((row) => row.spend.amount > 0 && row.leads === 0).map((row) => ({ channel: row.channel, spend: row.spend })),
  };
}

export interface DigestSubject {
  digest: DigestRecord;
  tz: string;
  language: ProjectLanguage;
  period: LocalPeriod;
}

export async function digestContent(storage: Storage, { digest, tz, language, period }: DigestSubject): Promise<DigestContent> {
  const schedule: DigestSchedule = digest.schedule;
  const before = previousPeriod(schedule, period);
  const chartRange = { from: addDays(period.to, -2 * CHART_DAYS), to: period.to };
  const [summary, byChannel, leadsPerDay] = await Promise.all([
    overview(storage, filtersOf(digest, period, tz)),
    channels(storage, filtersOf(digest, period, tz)),
    timeseries(storage, filtersOf(digest, chartRange, tz), "leads", "day"),
  ]);
  const currency = summary.current.revenue.currency;
  // The overview's own previous period has the period's length in hours: the calendar day or week before,
  // except across a DST change (a 23-hour day's "before" would start at 01:00). Then the calendar one is
  // asked for on its own, in the same currency, so the two always compare whole local days.
  const previousFromUtc = new Date(localTimeMs(before.from, tz)).toISOString();
  const previous =
    summary.previous && summary.previous.range.from === previousFromUtc
      ? withoutRange(summary.previous)
      : (await overview(storage, { ...filtersOf(digest, before, tz), currency })).current;
  const points = leadsPerDay.points.map((point) => point.value ?? 0);
  return {
    schedule,
    language,
    name: digest.name,
    period: toDigestPeriod(period, tz),
    previousPeriod: toDigestPeriod(before, tz),
    current: summary.current,
    previous,
    changes: figureChanges(summary.current, previous),
    currency,
    ...rankChannelsByCpl(byChannel.channels),
    chart: {
      days: leadsPerDay.points.slice(-CHART_DAYS).map((point) => point.bucket),
      leads: points.slice(-CHART_DAYS),
      previousLeads: points.slice(0, points.length - CHART_DAYS),
    },
  };
}

function withoutRange(figures: OverviewFigures & { range: unknown }): OverviewFigures {
  const { range: _range, ...rest } = figures;
  return rest;
}
