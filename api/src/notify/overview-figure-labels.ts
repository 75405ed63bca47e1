import type { AlertOverviewMetric, ProjectLanguage } from "@chatfunnel/schemas";

/**
 * What the overview's figures are called in the messages Chatfunnel sends (alerts and digests), in each
 * project language: one home, so an alert on CPL and the morning digest name the figure alike. Keyed by the
 * overview answer's own figure names, so a new figure fails to compile until it has a label in both languages.
 * (The dashboard names them in its own i18n messages: it does not import the api package.)
 */
export const OVERVIEW_FIGURE_LABELS: Record<ProjectLanguage, Record<AlertOverviewMetric, string>> = {
  en: {
    users: "Users",
    newUsers: "New users",
    sessions: "Requests",
    leads: "Leads",
    orders: "Orders",
    revenue: "Revenue",
    spend: "Spend",
    cpl: "Cost per lead (CPL)",
    cpo: "Cost per order (CPO)",
    roas: "ROAS",
    resolutionRate: "Bot resolution rate",
  },
  ru: {
    users: "Пользователи",
    newUsers: "Новые пользователи",
    sessions: "Обращения",
    leads: "Заявки",
    orders: "Заказы",
    revenue: "Выручка",
    spend: "Расходы",
    cpl: "Стоимость заявки (CPL)",
    cpo: "Стоимость заказа (CPO)",
    roas: "ROAS",
    resolutionRate: "Доля решённых ботом",
  },
};
