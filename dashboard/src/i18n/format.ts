import type { Locale } from "./messages.js";

interface Money {
  amount: number;
  currency: string;
}

export interface Format {
  integer(value: number): string;
  decimal(value: number, digits?: number): string;
  /** Always `digits` decimals: a mean score (3.997 reads 4.00, not a bare 4 that hides it is a mean). */
  fixed(value: number, digits: number): string;
  /** Money in its own currency; narrowSymbol shows ₽ for RUB in every locale. */
  money(value: Money | null | undefined): string;
  /** A fraction in [0,1] as a percentage; null (no denominator) as a dash. */
  percent(value: number | null | undefined): string;
  /** A change between periods, signed: +12.5 % / −3 %. */
  change(value: number | null): string;
  ratio(value: number | null | undefined): string;
  durationSeconds(value: number | null | undefined): string;
  date(iso: string, tz?: string): string;
  /** Day and month only, for chart axes: "7 Nov". */
  dayMonth(isoDate: string): string;
  dateTime(iso: string, tz?: string): string;
  /** With seconds, for an event log where events a second apart must read apart. */
  dateTimeSeconds(iso: string, tz?: string): string;
  compact(value: number): string;
  /** Short money for chart axes: ₽12K. */
  moneyCompact(value: Money): string;
}

export const DASH = "—";
const intlLocale = (locale: Locale) => (locale === "ru" ? "ru-RU" : "en-US");

export function createFormat(locale: Locale): Format {
  const tag = intlLocale(locale);
  const integer = new Intl.NumberFormat(tag, { maximumFractionDigits: 0 });
  const percent = new Intl.NumberFormat(tag, { style: "percent", maximumFractionDigits: 1 });
  const change = new Intl.NumberFormat(tag, { style: "percent", maximumFractionDigits: 1, signDisplay: "exceptZero" });
  const compact = new Intl.NumberFormat(tag, { notation: "compact", maximumFractionDigits: 1 });
  const moneyFormats = new Map<string, Intl.NumberFormat>();
  const moneyFormat = (currency: string) => {
    let format = moneyFormats.get(currency);
    if (!format) {
      try {
        format = new Intl.NumberFormat(tag, { style: "currency", currency, currencyDisplay: "narrowSymbol", maximumFractionDigits: 2 });
      } catch {
        // An unknown currency code still shows its amount.
        format = new Intl.NumberFormat(tag, { maximumFractionDigits: 2 });
      }
      moneyFormats.set(currency, format);
    }
    return format;
  };
  const dateFormat = (tz: string | undefined, withTime: boolean) =>
    new Intl.DateTimeFormat(tag, { dateStyle: "medium", ...(withTime ? { timeStyle: "short" } : {}), ...(tz ? { timeZone: tz } : {}) });
  return {
    integer: (value) => integer.format(value),
    decimal: (value, digits = 2) => new Intl.NumberFormat(tag, { maximumFractionDigits: digits }).format(value),
    fixed: (value, digits) => new Intl.NumberFormat(tag, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value),
    money: (value) => (value ? moneyFormat(value.currency).format(value.amount) : DASH),
    percent: (value) => (value === null || value === undefined ? DASH : percent.format(value)),
    change: (value) => (value === null ? DASH : change.format(value)),
    ratio: (value) => (value === null || value === undefined ? DASH : `${new Intl.NumberFormat(tag, { maximumFractionDigits: 2 }).format(value)}×`),
    durationSeconds: (value) => (value === null || value === undefined ? DASH : formatDuration(value, locale)),
    date: (iso, tz) => dateFormat(tz, false).format(new Date(iso)),
    dayMonth: (isoDate) => new Intl.DateTimeFormat(tag, { day: "numeric", month: "short", timeZone: "UTC" }).format(new Date(`${isoDate.slice(0, 10)}T12:00:00Z`)),
    dateTime: (iso, tz) => dateFormat(tz, true).format(new Date(iso)),
    dateTimeSeconds: (iso, tz) => new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeStyle: "medium", ...(tz ? { timeZone: tz } : {}) }).format(new Date(iso)),
    compact: (value) => compact.format(value),
    moneyCompact: (value) => {
      try {
        return new Intl.NumberFormat(tag, { style: "currency", currency: value.currency, currencyDisplay: "narrowSymbol", notation: "compact", maximumFractionDigits: 1 }).format(value.amount);
      } catch {
        return compact.format(value.amount);
      }
    },
  };
}

const UNITS: Record<Locale, { d: string; h: string; m: string; s: string }> = {
  en: { d: "d", h: "h", m: "min", s: "s" },
  ru: { d: "д", h: "ч", m: "мин", s: "с" },
};

/** Two largest units are enough to read a time to convert at a glance. */
export function formatDuration(totalSeconds: number, locale: Locale): string {
  const u = UNITS[locale];
  // Bots answer in well under a second: below a minute, tenths of a second still say something.
  if (totalSeconds < 59.95) return `${new Intl.NumberFormat(intlLocale(locale), { maximumFractionDigits: 1 }).format(Math.max(0, totalSeconds))} ${u.s}`;
  const s = Math.round(totalSeconds);
  const parts: Array<[number, string]> = [
    [Math.floor(s / 86400), u.d],
    [Math.floor((s % 86400) / 3600), u.h],
    [Math.floor((s % 3600) / 60), u.m],
    [s % 60, u.s],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return `0 ${u.s}`;
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(" ");
}
