import type { Storage } from "@chatfunnel/core";
import { ChannelSchema, type ChannelFigures, type ChannelsResponse } from "@chatfunnel/schemas";
import { channelFacts, addCurrencyUnits, amountOf } from "@chatfunnel/warehouse";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { chooseCurrency, money, moneyRatio, otherCurrencies, ratio, reportedTotals } from "./money.js";
import { rangeEcho } from "./range-echo.js";

/**
 * Per channel, from the channel facts. A channel is listed when it has users in range or any spend
 * row in range (in any currency). The returning share (users with 2+ sessions over users with one)
 * is here so the Channels page needs one request, not one repeat query per channel.
 */
export async function channels(storage: Storage, filters: ResolvedFilters): Promise<ChannelsResponse> {
  const { current } = await channelFacts(storage, filters, { withRepeat: true });
  const totals = reportedTotals(addCurrencyUnits(current));
  const currency = chooseCurrency(totals, filters.currency);
  const figures: ChannelFigures[] = current
    .filter((row) => row.users > 0 || row.spendRows > 0)
    .map((row) => {
      const spent = amountOf(row.spend.get(currency) ?? 0n);
      return {
        channel: ChannelSchema.parse(row.channel),
        users: row.users,
        newUsers: row.newUsers,
        sessions: row.sessions,
        leads: row.leads,
        orders: row.orders,
        revenue: money(amountOf(row.revenue.get(currency) ?? 0n), currency),
        spend: money(spent, currency),
        cpl: moneyRatio(spent, row.leads, currency),
        cpo: moneyRatio(spent, row.orders, currency),
        leadConversion: ratio(row.leadUsers, row.users),
        returningShare: ratio(row.returningUsers, row.sessionUsers),
      };
    });
  figures.sort((a, b) => b.users - a.users || a.channel.localeCompare(b.channel));
  return { range: rangeEcho(filters), currency, channels: figures, otherCurrencies: otherCurrencies(totals, currency) };
}
