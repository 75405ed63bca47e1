import type { Channel } from "@chatfunnel/schemas";

/** A paid campaign: its share of the channel's new users and what one such user costs. */
export interface CampaignModel {
  name: string;
  source: string;
  medium: string;
  /** Share of the channel's new users that this campaign brings. */
  share: number;
  /** Ad spend per acquired user, RUB: drives the campaign's daily spend rows. */
  costPerUser: number;
}

/**
 * One messenger's behaviour. Drop-off differs per channel on purpose, so the dashboard's channel
 * comparison has something to show: WhatsApp converts best, VK is cheap but leaky, Telegram is the volume.
 */
export interface ChannelModel {
  channel: Channel;
  botId: string;
  /** Share of all new users. */
  weight: number;
  /** bot_started → first message_received. */
  engage: number;
  /** engaged first session → lead. */
  lead: number;
  /** lead → order. */
  order: number;
  /** order paid online (order without revenue, then payment with it) rather than on delivery. */
  payOnline: number;
  /** Median order value, RUB. */
  medianCheck: number;
  /** Probability that a user comes back for one more session (geometric). */
  returning: number;
  /** A session handed to a human operator. */
  handoff: number;
  /** A session without a handoff that the bot closes as resolved. */
  resolved: number;
  /** Users opting in to broadcasts. */
  subscribe: number;
  /**
   * Broadcast funnel: delivered (of sent), read (of delivered; null where the messenger never reports reads,
   * as Telegram and VK do not), clicked (of read, or of delivered where there are no reads).
   */
  broadcast: { delivered: number; read: number | null; clicked: number };
  /** What the messenger says when a send fails, as its API words it; the first is the blocked-bot one. */
  failReasons: readonly [blocked: string, ...others: string[]];
  campaigns: CampaignModel[];
}

export const CHANNEL_MODELS: readonly ChannelModel[] = [
  {
    channel: "telegram",
    botId: "shop_tg_bot",
    weight: 0.42,
    engage: 0.86,
    lead: 0.3,
    order: 0.36,
    payOnline: 0.7,
    medianCheck: 2400,
    returning: 0.48,
    handoff: 0.11,
    resolved: 0.66,
    subscribe: 0.55,
    broadcast: { delivered: 0.97, read: null, clicked: 0.07 },
    failReasons: ["Forbidden: bot was blocked by the user", "Bad Request: chat not found", "Forbidden: user is deactivated"],
    campaigns: [
      { name: "tg_spring_sale", source: "telegram_ads", medium: "cpc", share: 0.3, costPerUser: 95 },
      { name: "tg_bloggers", source: "bloggers", medium: "influencer", share: 0.2, costPerUser: 140 },
      { name: "tg_channel_posts", source: "telegram", medium: "post", share: 0.15, costPerUser: 40 },
    ],
  },
  {
    channel: "whatsapp",
    botId: "shop_wa_business",
    weight: 0.28,
    engage: 0.92,
    lead: 0.42,
    order: 0.34,
    payOnline: 0.45,
    medianCheck: 3100,
    returning: 0.4,
    handoff: 0.18,
    resolved: 0.55,
    subscribe: 0.35,
    broadcast: { delivered: 0.95, read: 0.78, clicked: 0.12 },
    failReasons: ["Message undeliverable (code 131026)", "Healthy ecosystem engagement (code 131049)", "Re-engagement message (code 131047)"],
    campaigns: [
      { name: "wa_ctwa_spring", source: "meta_ads", medium: "click_to_whatsapp", share: 0.45, costPerUser: 210 },
      { name: "wa_retargeting", source: "meta_ads", medium: "retargeting", share: 0.15, costPerUser: 160 },
    ],
  },
  {
    channel: "vk",
    botId: "club_shop_bot",
    weight: 0.22,
    engage: 0.78,
    lead: 0.21,
    order: 0.29,
    payOnline: 0.6,
    medianCheck: 1900,
    returning: 0.38,
    handoff: 0.09,
    resolved: 0.6,
    subscribe: 0.45,
    broadcast: { delivered: 0.93, read: null, clicked: 0.04 },
    failReasons: ["Can't send messages for users without permission (code 901)", "Can't send messages to this user due to their privacy settings (code 902)"],
    campaigns: [
      { name: "vk_target_spring", source: "vk_ads", medium: "target", share: 0.4, costPerUser: 60 },
      { name: "vk_community_posts", source: "vk", medium: "post", share: 0.2, costPerUser: 25 },
    ],
  },
  {
    channel: "max",
    botId: "shop_max_bot",
    weight: 0.05,
    engage: 0.8,
    lead: 0.25,
    order: 0.3,
    payOnline: 0.5,
    medianCheck: 2100,
    returning: 0.3,
    handoff: 0.14,
    resolved: 0.58,
    subscribe: 0.4,
    broadcast: { delivered: 0.96, read: 0.55, clicked: 0.07 },
    failReasons: ["user blocked the bot", "chat not found"],
    campaigns: [{ name: "max_launch", source: "max_ads", medium: "cpc", share: 0.5, costPerUser: 120 }],
  },
  {
    channel: "web",
    botId: "site_widget",
    weight: 0.03,
    engage: 0.7,
    lead: 0.35,
    order: 0.4,
    payOnline: 0.9,
    medianCheck: 2800,
    returning: 0.25,
    handoff: 0.25,
    resolved: 0.5,
    subscribe: 0.1,
    broadcast: { delivered: 0.9, read: 0.4, clicked: 0.05 },
    failReasons: ["visitor unsubscribed from push", "push subscription expired"],
    campaigns: [{ name: "web_search", source: "yandex", medium: "cpc", share: 0.6, costPerUser: 180 }],
  },
];

/** Roughly how many events one simulated user produces; sizes spend to the traffic. */
export const APPROX_EVENTS_PER_USER = 15;

/**
 * The bot's script, in the order a shopper moves through it: events carry `properties.node`, so the paths
 * report shows where in the script people leave. `support` is where handoffs happen.
 */
export const SCRIPT_NODES = ["menu", "catalog", "product", "cart"] as const;
/** The button that leads to each node of the script. */
export const NODE_BUTTONS: Record<(typeof SCRIPT_NODES)[number], string> = { menu: "main_menu", catalog: "catalog", product: "product_card", cart: "add_to_cart" };

/** What broadcasts are about; a broadcast's id is its channel, date and theme (`tg-2026-05-12-spring_sale`). */
export const BROADCAST_THEMES = ["spring_sale", "new_arrivals", "weekend_promo", "back_in_stock", "free_delivery", "loyalty_bonus"] as const;

/** A short audience survey (бриф): asked once, each next question answered by fewer people. */
export const AUDIENCE_SURVEY: readonly { question: string; answers: readonly string[]; weights: readonly number[] }[] = [
  { question: "age", answers: ["18-24", "25-34", "35-44", "45+"], weights: [2, 4, 3, 1.5] },
  { question: "heard_from", answers: ["friends", "ads", "blogger", "search", "marketplace"], weights: [3, 4, 2, 1.5, 1] },
  { question: "buying_for", answers: ["myself", "gift", "work"], weights: [5, 3, 1] },
];

/** CSAT answers 1–5: after a quick answer people are mostly happy; after a long wait for a human, less so. */
export const CSAT_WEIGHTS = {
  bot: [0.06, 0.06, 0.14, 0.32, 0.42],
  operatorFast: [0.03, 0.04, 0.1, 0.3, 0.53],
  operatorSlow: [0.12, 0.13, 0.22, 0.29, 0.24],
} as const;

/** Traffic by hour of day (UTC, the audience is mostly UTC+3): quiet nights, evening peak. */
export const HOUR_WEIGHTS: readonly number[] = [
  1.2, 0.8, 0.5, 0.3, 0.3, 0.5, 1.5, 3, 4.5, 5.5, 6, 6.2, 6, 5.8, 5.8, 6.2, 7, 7.5, 7.2, 6, 4.5, 3.2, 2.2, 1.6,
];

export const CURRENCY = "RUB";
