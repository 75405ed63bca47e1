import type { Channel, DigestContent, DigestSchedule, Money, ProjectLanguage } from "@chatfunnel/schemas";
import { OVERVIEW_FIGURE_LABELS } from "../notify/overview-figure-labels.js";
import { escapeTelegramHtml } from "../notify/telegram-bot-api.js";

/**
 * Every word a digest says, in Russian and English: the message (Telegram HTML) and the chart's labels.
 * Numbers are formatted by the language's own conventions (Intl), money in the reported currency.
 */

const LOCALE: Record<ProjectLanguage, string> = { en: "en-US", ru: "ru-RU" };

interface Words {
  defaultName: Record<DigestSchedule, string>;
  against: Record<DigestSchedule, string>;
  bestCpl: string;
  worstCpl: string;
  leadsCount: string;
  noRanking: string;
  spendWithoutLeads: string;
  percentPoints: string;
  chartTitle: string;
  series: Record<DigestSchedule, { current: string; previous: string }>;
  channels: Record<Channel, string>;
}

const WORDS: Record<ProjectLanguage, Words> = {
  en: {
    defaultName: { daily: "Daily digest", weekly: "Weekly digest" },
    against: { daily: "change against the day before", weekly: "change against the week before" },
    bestCpl: "Best CPL",
    worstCpl: "Worst CPL",
    leadsCount: "leads",
    noRanking: "CPL by channel: no channel had both spend and leads",
    spendWithoutLeads: "Spend without leads",
    percentPoints: "pp",
    chartTitle: "Leads per day",
    series: { daily: { current: "Last 7 days", previous: "The 7 days before" }, weekly: { current: "This week", previous: "The week before" } },
    channels: { telegram: "Telegram", whatsapp: "WhatsApp", vk: "VK", max: "MAX", viber: "Viber", web: "Web chat", other: "Other" },
  },
  ru: {
    defaultName: { daily: "Ежедневная сводка", weekly: "Еженедельная сводка" },
    against: { daily: "изменение к предыдущему дню", weekly: "изменение к предыдущей неделе" },
    bestCpl: "Лучший CPL",
    worstCpl: "Худший CPL",
    leadsCount: "заявок",
    noRanking: "CPL по каналам: ни у одного канала нет и расходов, и заявок",
    spendWithoutLeads: "Расходы без заявок",
    percentPoints: "п. п.",
    chartTitle: "Заявки по дням",
    series: { daily: { current: "Последние 7 дней", previous: "7 дней до них" }, weekly: { current: "Эта неделя", previous: "Неделя до неё" } },
    channels: { telegram: "Telegram", whatsapp: "WhatsApp", vk: "ВКонтакте", max: "MAX", viber: "Viber", web: "Веб-чат", other: "Другие" },
  },
};

export const defaultDigestName = (schedule: DigestSchedule, language: ProjectLanguage): string => WORDS[language].defaultName[schedule];

/** A civil date as a Date at its UTC midnight, formatted in UTC: the local date itself, whatever the server's zone. */
const civilDate = (date: string) => new Date(`${date}T00:00:00Z`);

function formatters(language: ProjectLanguage) {
  const locale = LOCALE[language];
  const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
  const money = (value: Money | null) => (value === null ? "—" : new Intl.NumberFormat(locale, { style: "currency", currency: value.currency }).format(value.amount));
  const signed = (text: string, value: number) => (value > 0 ? `+${text}` : value < 0 ? `−${text}` : text);
  // The sign follows the shown (rounded) figure, so a change under half a percent reads "0%", never "−0%".
  const change = (value: number | null | undefined) => (value === null || value === undefined ? "—" : signed(percent.format(Math.abs(value)), Math.round(value * 100)));
  const points = (value: number | null | undefined) =>
    value === null || value === undefined ? "—" : signed(`${integer.format(Math.abs(value) * 100)} ${WORDS[language].percentPoints}`, Math.round(value * 100));
  const day = new Intl.DateTimeFormat(locale, { timeZone: "UTC", weekday: "short", day: "numeric", month: "long", year: "numeric" });
  const range = new Intl.DateTimeFormat(locale, { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" });
  const chartDay = new Intl.DateTimeFormat(locale, { timeZone: "UTC", weekday: "short", day: "numeric" });
  return { integer, decimal, percent, money, change, points, day, range, chartDay };
}

/** The period as people say it: "Mon, November 30, 2026" or "Nov 23 – 29, 2026" (last day inclusive). */
export function periodLabel(content: Pick<DigestContent, "schedule" | "language" | "period">): string {
  const f = formatters(content.language);
  const from = civilDate(content.period.from);
  if (content.schedule === "daily") return f.day.format(from);
  const last = new Date(civilDate(content.period.to).getTime() - 86_400_000);
  return f.range.formatRange(from, last);
}

/** The digest as a Telegram HTML message: headline, period, each figure with its change, the CPL ranking. */
export function digestText(content: DigestContent): string {
  const words = WORDS[content.language];
  const figures = OVERVIEW_FIGURE_LABELS[content.language];
  const f = formatters(content.language);
  const { current: now, changes } = content;
  const line = (label: string, value: string, change: string) => `${escapeTelegramHtml(label)}: ${escapeTelegramHtml(value)} (${escapeTelegramHtml(change)})`;
  const channel = (name: Channel) => escapeTelegramHtml(words.channels[name]);
  const lines = [
    `<b>${escapeTelegramHtml(content.name)}</b>`,
    `${escapeTelegramHtml(periodLabel(content))} · ${escapeTelegramHtml(content.period.tz)}`,
    `<i>${escapeTelegramHtml(words.against[content.schedule])}</i>`,
    "",
    line(figures.users, f.integer.format(now.users), f.change(changes.users)),
    line(figures.newUsers, f.integer.format(now.newUsers), f.change(changes.newUsers)),
    line(figures.sessions, f.integer.format(now.sessions), f.change(changes.sessions)),
    line(figures.leads, f.integer.format(now.leads), f.change(changes.leads)),
    line(figures.orders, f.integer.format(now.orders), f.change(changes.orders)),
    line(figures.revenue, f.money(now.revenue), f.change(changes.revenue)),
    line(figures.spend, f.money(now.spend), f.change(changes.spend)),
    line(figures.cpl, f.money(now.cpl), f.change(changes.cpl)),
    line(figures.cpo, f.money(now.cpo), f.change(changes.cpo)),
    line(figures.roas, now.roas === null ? "—" : f.decimal.format(now.roas), f.change(changes.roas)),
    line(figures.resolutionRate, now.resolutionRate === null ? "—" : f.percent.format(now.resolutionRate), f.points(changes.resolutionRate)),
    "",
  ];
  const ranked = (label: string, row: NonNullable<DigestContent["bestChannel"]>) =>
    `${escapeTelegramHtml(label)}: ${channel(row.channel)} — ${escapeTelegramHtml(f.money(row.cpl))} (${escapeTelegramHtml(words.leadsCount)}: ${f.integer.format(row.leads)})`;
  if (content.bestChannel) lines.push(ranked(words.bestCpl, content.bestChannel));
  if (content.worstChannel) lines.push(ranked(words.worstCpl, content.worstChannel));
  if (!content.bestChannel) lines.push(escapeTelegramHtml(words.noRanking));
  if (content.spendWithoutLeads.length > 0) {
    const spent = content.spendWithoutLeads.map((row) => `${channel(row.channel)} ${escapeTelegramHtml(f.money(row.spend))}`).join(", ");
    lines.push(`${escapeTelegramHtml(words.spendWithoutLeads)}: ${spent}`);
  }
  return lines.join("\n");
}

/** The text without Telegram's markup, for a webhook target. */
export function plainDigestText(html: string): string {
  return html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

export interface ChartLabels {
  title: string;
  current: string;
  previous: string;
  /** One per chart day. */
  days: string[];
}

export function chartLabels(content: DigestContent): ChartLabels {
  const words = WORDS[content.language];
  const f = formatters(content.language);
  return { title: words.chartTitle, ...words.series[content.schedule], days: content.chart.days.map((day) => f.chartDay.format(civilDate(day))) };
}
