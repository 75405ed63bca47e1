import type { Money, OtherCurrency } from "@chatfunnel/schemas";
import type { Storage } from "@chatfunnel/core";
import { amountOf, currencyTotals, type CurrencyUnits, type Units, type ResolvedFilters } from "@chatfunnel/warehouse";

/**
 * How money is reported: the warehouse's money fact (warehouse/money.ts) sums exact units; this module
 * turns them into the contract's `Money` (amount rounded to four places, with its currency).
 */

/** With no money at all in range an answer still names a currency: the product's home market's. */
export const FALLBACK_CURRENCY = "RUB";

export const ratio = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);
/** Amounts are Decimal(18, 4) in storage: four places are exact, more would be noise. */
export const round4 = (value: number): number => Math.round(value * 1e4) / 1e4;
export const money = (amount: number, currency: string): Money => ({ amount: round4(amount), currency });
export const moneyRatio = (amount: number, count: number, currency: string): Money | null =>
  count === 0 ? null : { amount: round4(amount / count), currency };
export const roas = (revenue: number, spend: number): number | null => (spend === 0 ? null : round4(revenue / spend));

/** Exact units as reported money. */
export const unitsMoney = (units: Units, currency: string): Money => money(amountOf(units), currency);

/** Per-currency units as the contract's list of currencies (amounts rounded to four places). */
export const reportedTotals = (totals: CurrencyUnits[]): OtherCurrency[] =>
  totals.map((row) => ({ currency: row.currency, revenue: round4(amountOf(row.revenue)), spend: round4(amountOf(row.spend)) }));

/** Revenue and spend in range per currency, largest first (the money fact, reported). */
export async function moneyTotals(storage: Storage, scope: string, filters: ResolvedFilters, params: Record<string, unknown>): Promise<OtherCurrency[]> {
  return reportedTotals(await currencyTotals(storage, { sql: scope, params }, filters));
}

/** The reported currency: asked for, else the one with the most revenue + spend in range. */
export function chooseCurrency(totals: readonly { currency: string }[], asked: string | undefined): string {
  return asked ?? totals[0]?.currency ?? FALLBACK_CURRENCY;
}

export function otherCurrencies(totals: OtherCurrency[], currency: string): OtherCurrency[] {
  return totals.filter((row) => row.currency !== currency);
}
