import type { ChannelsResponse, CostsResponse, EngagementResponse, EventTypesResponse, ExplorerEvent, FunnelDropoffResponse, FunnelResponse, FunnelTrendsResponse, LinkReport, LinksResponse, OverviewFigures, OverviewResponse, RepeatResponse, TimeseriesResponse } from "@chatfunnel/schemas";

const rub = (amount: number) => ({ amount, currency: "RUB" });
const range = { from: "2026-05-01T00:00:00.000Z", to: "2026-05-31T00:00:00.000Z", tz: "UTC" };

export const figures = (overrides: Partial<OverviewFigures> = {}): OverviewFigures => ({
  users: 1234,
  newUsers: 456,
  sessions: 2000,
  leads: 100,
  orders: 25,
  revenue: rub(125000),
  spend: rub(50000),
  cpl: rub(500),
  cpo: rub(2000),
  roas: 2.5,
  resolutionRate: 0.625,
  ...overrides,
});

export const overview = (current = figures(), previous: OverviewFigures | null = figures({ users: 1000, cpl: rub(625) })): OverviewResponse => ({
  range,
  current,
  ...(previous ? { previous: { ...previous, range: { from: "2026-04-01T00:00:00.000Z", to: "2026-05-01T00:00:00.000Z" } } } : {}),
  otherCurrencies: [],
});

export const timeseries = (metric: TimeseriesResponse["metric"], values: Array<number | null> = [1, 2, 3]): TimeseriesResponse => ({
  range,
  metric,
  interval: "day",
  currency: metric === "revenue" || metric === "spend" ? "RUB" : null,
  points: values.map((value, i) => ({ bucket: `2026-05-0${i + 1}`, value })),
  otherCurrencies: [],
});

export const channels = (): ChannelsResponse => ({
  range,
  currency: "RUB",
  channels: [
    { channel: "telegram", users: 700, newUsers: 300, sessions: 1200, leads: 70, orders: 20, revenue: rub(100000), spend: rub(30000), cpl: rub(428.57), cpo: rub(1500), leadConversion: 0.1, returningShare: 0.4 },
    { channel: "whatsapp", users: 400, newUsers: 120, sessions: 600, leads: 30, orders: 5, revenue: rub(25000), spend: rub(20000), cpl: rub(666.67), cpo: rub(4000), leadConversion: 0.075, returningShare: 0.2 },
    { channel: "vk", users: 134, newUsers: 36, sessions: 200, leads: 0, orders: 0, revenue: rub(0), spend: rub(0), cpl: null, cpo: null, leadConversion: 0, returningShare: 0.2 },
  ],
  otherCurrencies: [],
});

export const repeat = (returningShare: number | null = 0.25): RepeatResponse => ({
  range,
  users: 100,
  histogram: [
    { sessions: "1", users: 75 },
    { sessions: "2", users: 15 },
    { sessions: "3", users: 5 },
    { sessions: "4", users: 3 },
    { sessions: "5+", users: 2 },
  ],
  returningShare,
  meanSessionsPerUser: 1.42,
});

export const costs = (by: "channel" | "campaign" = "channel"): CostsResponse => ({
  range,
  by,
  currency: "RUB",
  rows:
    by === "channel"
      ? [{ key: "telegram", spend: rub(30000), leads: 70, orders: 20, revenue: rub(100000), cpl: rub(428.57), cpo: rub(1500), roas: 3.33 }]
      : [
          { key: "spring_sale", spend: rub(20000), leads: 40, orders: 10, revenue: rub(50000), cpl: rub(500), cpo: rub(2000), roas: 2.5 },
          { key: null, spend: rub(0), leads: 30, orders: 10, revenue: rub(50000), cpl: null, cpo: null, roas: null },
        ],
  total: { spend: rub(30000), leads: 70, orders: 20, revenue: rub(100000), cpl: rub(428.57), cpo: rub(1500), roas: 3.33 },
  otherCurrencies: [],
});

export const engagement = (): EngagementResponse => ({ range, newUsers: 456, sessions: 2000, answeredSessions: 1800, medianFirstResponseSeconds: 75, resolutionRate: 0.5 });

const step = (index: number, type: string, users: number, first: number, previous: number, filters: Record<string, string> = {}) => ({
  index,
  text: type + Object.entries(filters).map(([key, value]) => `[${key}=${value}]`).join(""),
  type,
  filters,
  users,
  conversionFromFirst: index === 1 ? 1 : users / first,
  conversionFromPrevious: index === 1 ? 1 : users / previous,
  dropOff: index === 1 ? 0 : previous - users,
  dropOffRate: index === 1 ? 0 : (previous - users) / previous,
  medianSecondsToConvert: index === 1 ? null : 600 * index,
  meanSecondsToConvert: index === 1 ? null : 900 * index,
  medianSecondsFromPrevious: index === 1 ? null : 600,
  meanSecondsFromPrevious: index === 1 ? null : 900,
});

export const funnel = (): FunnelResponse => ({
  range,
  mode: "ordered",
  windowSeconds: 7 * 86400,
  steps: [step(1, "bot_started", 1000, 1000, 1000), step(2, "message_received", 600, 1000, 1000), step(3, "lead", 150, 1000, 600), step(4, "order", 30, 1000, 150)],
  breakdown: [],
  breakdowns: [],
  breakdownsTruncated: false,
});

export const funnelTrends = (): FunnelTrendsResponse => ({
  range,
  mode: "ordered",
  windowSeconds: 7 * 86400,
  interval: "day",
  steps: 2,
  points: [
    { bucket: "2026-04-01", entered: 200, converted: 10, conversion: 0.05 },
    { bucket: "2026-04-02", entered: 0, converted: 0, conversion: null },
  ],
});

export const dropoff = (): FunnelDropoffResponse => ({
  step: 3,
  total: 2,
  limit: 100,
  offset: 0,
  users: [
    { channel: "telegram", userId: "tg-42", reachedAt: "2026-05-02T10:00:00.000Z" },
    { channel: "vk", userId: "vk-7", reachedAt: "2026-05-03T11:30:00.000Z" },
  ],
});

export const explorerEvent = (overrides: Partial<ExplorerEvent> = {}): ExplorerEvent => ({
  id: "5b0f4a2e-8c1d-4e7f-9a3b-000000000001",
  type: "bot_started",
  channel: "telegram",
  botId: "shop_bot",
  userId: "tg-42",
  timestamp: "2026-05-02T10:00:05.000Z",
  receivedAt: "2026-05-02T10:00:06.120Z",
  source: { campaign: "black_friday", source: "vk_ads", medium: "cpc", payload: "bf_2026" },
  ...overrides,
});

export const eventTypes = (): EventTypesResponse => ({
  types: [
    { type: "message_received", events: 5400, users: 900, lastSeen: "2026-05-30T10:00:00.000Z" },
    { type: "bot_started", events: 1000, users: 1000, lastSeen: "2026-05-30T09:00:00.000Z" },
    { type: "lead", events: 150, users: 140, lastSeen: "2026-05-29T09:00:00.000Z" },
    { type: "quiz_passed", events: 12, users: 12, lastSeen: "2026-05-28T09:00:00.000Z" },
  ],
});

export const linkReport = (overrides: Partial<LinkReport> = {}): LinkReport => ({
  id: "lnk_1",
  code: "bf26vk",
  url: "https://t.me/shop_bot?start=bf26vk",
  channel: "telegram",
  target: "shop_bot",
  campaign: "black_friday",
  source: "vk_ads",
  medium: "cpc",
  content: null,
  term: null,
  name: "VK ad, November",
  adId: null,
  createdAt: "2026-05-01T08:00:00.000Z",
  users: 320,
  leads: 40,
  orders: 8,
  revenue: rub(19920),
  spend: rub(12000),
  cpl: rub(300),
  cpo: rub(1500),
  ...overrides,
});

export const links = (list: LinkReport[] = [linkReport(), linkReport({ id: "lnk_2", code: "wa_spring", url: "https://wa.me/79991234567?text=Hello!%20%5Bref%3Awa_spring%5D", channel: "whatsapp", target: "79991234567", campaign: "spring", name: null, source: null, medium: null, users: 5, leads: 0, orders: 0, revenue: rub(0), spend: rub(0), cpl: null, cpo: null })]): LinksResponse => ({
  range,
  currency: "RUB",
  links: list,
});
