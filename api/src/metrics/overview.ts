import type { Storage } from "@chatfunnel/core";
import type { OverviewFigures, OverviewResponse } from "@chatfunnel/schemas";
import { channelFacts, addCurrencyUnits, type ChannelCounts } from "@chatfunnel/warehouse";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { chooseCurrency, money, moneyRatio, otherCurrencies, ratio, reportedTotals, roas } from "./money.js";
import { rangeEcho } from "./range-echo.js";

/**
 * A period's figures: the channel facts summed over channels (a user belongs to one channel), money
 * in the reported currency. The resolution rate's numerator only counts sessions that also had a
 * message_received, so it stays in [0, 1].
 */
function period(channels: ChannelCounts[], askedCurrency: string | undefined) {
  const totals = reportedTotals(addCurrencyUnits(channels));
  const currency = chooseCurrency(totals, askedCurrency);
  const sum = (pick: (row: ChannelCounts) => number) => channels.reduce((total, row) => total + pick(row), 0);
  const { revenue, spend } = totals.find((row) => row.currency === currency) ?? { revenue: 0, spend: 0 };
  const leads = sum((row) => row.leads);
  const orders = sum((row) => row.orders);
  const figures: OverviewFigures = {
    users: sum((row) => row.users),
    newUsers: sum((row) => row.newUsers),
    sessions: sum((row) => row.sessions),
    leads,
    orders,
    revenue: money(revenue, currency),
    spend: money(spend, currency),
    cpl: moneyRatio(spend, leads, currency),
    cpo: moneyRatio(spend, orders, currency),
    roas: roas(revenue, spend),
    resolutionRate: ratio(sum((row) => row.resolved), sum((row) => row.requests)),
  };
  return { currency, figures, otherCurrencies: otherCurrencies(totals, currency) };
}

/**
 * The period and the one of equal length right before it ([from − (to − from), from)), both in the
 * currency the current period reports, so the two columns compare; one pass for both.
 */
export async function overview(storage: Storage, filters: ResolvedFilters): Promise<OverviewResponse> {
  const previousFromMs = filters.fromMs - (filters.toMs - filters.fromMs);
  const both = await channelFacts(storage, filters, { previousFromMs });
  const current = period(both.current, filters.currency);
  const previous = period(both.previous, current.currency);
  return {
    range: rangeEcho(filters),
    current: current.figures,
    previous: { ...previous.figures, range: { from: new Date(previousFromMs).toISOString(), to: new Date(filters.fromMs).toISOString() } },
    otherCurrencies: current.otherCurrencies,
  };
}
