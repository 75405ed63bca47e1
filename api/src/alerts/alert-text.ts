import { alertFunnelId, type AlertCondition, type AlertFilters, type AlertOverviewMetric, type AlertSchedule, type ProjectLanguage } from "@chatfunnel/schemas";
import { OVERVIEW_FIGURE_LABELS } from "../notify/overview-figure-labels.js";

/** The project's language setting (schemas/src/api/project.ts), one home for both. */
export type AlertLanguage = ProjectLanguage;

const WORDS = {
  en: {
    funnel: (name: string) => `Conversion of the funnel “${name}”`,
    below: (threshold: string) => `below ${threshold}`,
    above: (threshold: string) => `above ${threshold}`,
    drops_by_pct: (pct: string) => `dropped by at least ${pct}`,
    rises_by_pct: (pct: string) => `rose by at least ${pct}`,
    previous: { hourly: "Previous hour", daily: "Previous day" },
    period: { hourly: "Hour", daily: "Day" },
    none: "no value",
    filters: "Filters",
    channel: "channel",
    campaign: "campaign",
    bot: "bot",
  },
  ru: {
    funnel: (name: string) => `Конверсия воронки «${name}»`,
    below: (threshold: string) => `ниже ${threshold}`,
    above: (threshold: string) => `выше ${threshold}`,
    drops_by_pct: (pct: string) => `упала не менее чем на ${pct}`,
    rises_by_pct: (pct: string) => `выросла не менее чем на ${pct}`,
    previous: { hourly: "Предыдущий час", daily: "Предыдущий день" },
    period: { hourly: "Час", daily: "День" },
    none: "нет значения",
    filters: "Фильтры",
    channel: "канал",
    campaign: "кампания",
    bot: "бот",
  },
} as const;

/** What a message says: the alert, what it found, the period (UTC instants shown in `tz`). */
export interface AlertTextInput {
  name: string;
  metric: string;
  filters: AlertFilters;
  condition: AlertCondition;
  schedule: AlertSchedule;
  funnelName?: string;
  value: number | null;
  previousValue: number | null;
  changePct: number | null;
  currency: string | null;
  periodStartMs: number;
  periodEndMs: number;
  tz: string;
}

const locale = (language: AlertLanguage) => (language === "ru" ? "ru-RU" : "en-GB");

/** A figure as people read it: conversions and resolution as percentages, money with its currency, counts whole. */
function figureText(language: AlertLanguage, metric: string, value: number | null, currency: string | null): string {
  if (value === null) return WORDS[language].none;
  const format = (options: Intl.NumberFormatOptions) => new Intl.NumberFormat(locale(language), options).format(value);
  if (alertFunnelId(metric) !== undefined || metric === "resolutionRate") return format({ style: "percent", maximumFractionDigits: 1 });
  if (currency !== null) return `${format({ minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;
  if (metric === "roas") return format({ maximumFractionDigits: 2 });
  return format({ maximumFractionDigits: 0 });
}

function thresholdText(language: AlertLanguage, input: AlertTextInput): string {
  const { op, value } = input.condition;
  if (op === "drops_by_pct" || op === "rises_by_pct") return WORDS[language][op](`${new Intl.NumberFormat(locale(language), { maximumFractionDigits: 2 }).format(value)} %`);
  return WORDS[language][op](figureText(language, input.metric, value, input.currency));
}

function periodText(language: AlertLanguage, input: AlertTextInput): string {
  const date = new Intl.DateTimeFormat(locale(language), { timeZone: input.tz, day: "2-digit", month: "2-digit", year: "numeric" });
  const time = new Intl.DateTimeFormat(locale(language), { timeZone: input.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const from = new Date(input.periodStartMs);
  const head = WORDS[language].period[input.schedule];
  if (input.schedule === "daily") return `${head} ${date.format(from)} (${input.tz})`;
  return `${head} ${date.format(from)} ${time.format(from)}–${time.format(new Date(input.periodEndMs))} (${input.tz})`;
}

/**
 * The message a fired alert sends, in the project's language: the one place its words are written, so Telegram
 * and webhook targets say the same. Plain text (no parse mode): names and values need no escaping.
 */
export function alertText(language: AlertLanguage, input: AlertTextInput): string {
  const words = WORDS[language];
  const label = alertFunnelId(input.metric) !== undefined ? words.funnel(input.funnelName ?? input.metric) : OVERVIEW_FIGURE_LABELS[language][input.metric as AlertOverviewMetric];
  const lines = [`🔔 ${input.name}`, `${label}: ${figureText(language, input.metric, input.value, input.currency)} — ${thresholdText(language, input)}`];
  const change = input.changePct === null ? "" : ` (${input.changePct > 0 ? "+" : ""}${new Intl.NumberFormat(locale(language), { maximumFractionDigits: 1 }).format(input.changePct)} %)`;
  lines.push(`${words.previous[input.schedule]}: ${figureText(language, input.metric, input.previousValue, input.currency)}${change}`);
  const filters = [
    ...(input.filters.channel ? [`${words.channel} ${input.filters.channel.join(", ")}`] : []),
    ...(input.filters.campaign ? [`${words.campaign} ${input.filters.campaign}`] : []),
    ...(input.filters.botId ? [`${words.bot} ${input.filters.botId}`] : []),
  ];
  if (filters.length > 0) lines.push(`${words.filters}: ${filters.join("; ")}`);
  lines.push(periodText(language, input));
  return lines.join("\n");
}
