import type { OtherCurrency } from "@chatfunnel/schemas";
import type { ChannelCounts } from "./rollup.js";
import { round4 } from "./money.js";

/** Revenue and spend per currency (ten-thousandths) from rollup rows, ordered like moneyTotals. */
export function rollupCurrencyTotals(channels: ChannelCounts[]): OtherCurrency[] {
  const totals = new Map<string, { revenue: number; spend: number }>();
  const entry = (currency: string) => {
    if (!totals.has(currency)) totals.set(currency, { revenue: 0, spend: 0 });
    return totals.get(currency)!;
  };
  for (const row of channels) for (const [currency, units] of row.revenueUnits) entry(currency).revenue += units;
  for (const row of channels) for (const [currency, units] of row.spendUnits) entry(currency).spend += units;
  return [...totals]
    .sort(([a, x], [b, y]) => y.revenue + y.spend - (x.revenue + x.spend) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, t]) => ({ currency, revenue: round4(t.revenue / 1e4), spend: round4(t.spend / 1e4) }));
}
