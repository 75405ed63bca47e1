import { randomUUID } from "node:crypto";
import type { Channel, Event, SpendRow } from "@chatfunnel/schemas";

const CHANNELS: Channel[] = ["telegram", "whatsapp", "vk"];
const CAMPAIGNS = ["spring_sale", "blogger_anna", undefined];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * A small, varied history over the last ten days: three channels, two bots, campaigns and organic
 * users, a funnel that thins out (start → message → click → lead → order), repeat visits, bot
 * resolutions and handoffs. Deterministic in shape; ids are fresh so the data set can be posted once per test run.
 */
export function seedEvents(now = Date.now(), users = 90): Event[] {
  const events: Event[] = [];
  for (let i = 0; i < users; i++) {
    const channel = CHANNELS[i % 3]!;
    const campaign = CAMPAIGNS[i % 3 === 0 ? 0 : i % 5 === 0 ? 1 : 2];
    const userId = `${channel}-user-${i}`;
    const botId = i % 2 === 0 ? "shop-bot" : "support-bot";
    const start = now - (i % 10) * DAY - 30 * HOUR - (i % 7) * 11 * 60_000;
    const at = (offsetMs: number) => new Date(start + offsetMs).toISOString();
    const base = { channel, botId, userId } as const;
    const push = (type: string, offsetMs: number, extra: Partial<Event> = {}) => events.push({ id: randomUUID(), type, timestamp: at(offsetMs), ...base, ...extra });
    push("bot_started", 0, campaign ? { source: { source: i % 2 ? "vk_ads" : "telegram_ads", campaign } } : {});
    push("message_received", 60_000);
    push("message_sent", 60_000 + (5 + (i % 4) * 10) * 1000);
    if (i % 5 !== 4) push("button_clicked", 5 * 60_000, { properties: { plan: i % 2 ? "basic" : "pro" } });
    if (i % 5 !== 4 && i % 3 !== 2) push("lead", (10 + i) * 60_000, { properties: { form: "phone" } });
    if (i % 5 !== 4 && i % 3 !== 2 && i % 2 === 0) push("order", (40 + i) * 60_000, { revenue: 1000 + i * 10, currency: "RUB" });
    if (i % 4 === 0) push("resolved", 90 * 60_000 - 1);
    else if (i % 4 === 1) push("handoff", 90 * 60_000 - 1);
    // A third of the users come back the next day.
    if (i % 3 === 0) {
      push("message_received", DAY);
      push("message_sent", DAY + 30_000);
      push("resolved", DAY + 60_000);
    }
  }
  return events;
}

/** Spend for each of the last ten days, per channel and campaign, in RUB. */
export function seedSpend(now = Date.now()): SpendRow[] {
  const rows: SpendRow[] = [];
  for (let d = 1; d <= 10; d++) {
    const date = new Date(now - d * DAY).toISOString().slice(0, 10);
    CHANNELS.forEach((channel, c) => {
      rows.push({ date, channel, campaign: "spring_sale", amount: 500 + c * 100, currency: "RUB" });
      rows.push({ date, channel, campaign: "blogger_anna", amount: 200 + c * 50, currency: "RUB" });
    });
  }
  return rows;
}
