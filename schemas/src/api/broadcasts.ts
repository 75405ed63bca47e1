import { z } from "zod";
import { DEFAULT_BROADCAST_WINDOW, FUNNEL_WINDOW_PATTERN_SOURCE, MAX_ID_LENGTH } from "@chatfunnel/contract";
import { ChannelSchema } from "../event.js";
import { CommonQuerySchema, MoneySchema, RangeEchoSchema, RateSchema } from "./common.js";
import { FunnelWindowSchema } from "./funnel.js";

// The default is plain contract/ (the dashboard page starts from it).
export { DEFAULT_BROADCAST_WINDOW } from "@chatfunnel/contract";

/** Broadcasts (рассылки). The definitions, which tests/reference/broadcasts.ts follows (README "Decisions"); also the answer's description in openapi.json. */
/** The reserved types that make a broadcast (a custom `broadcast_…` type does not). */
export const BROADCAST_EVENT_TYPES = ["broadcast_sent", "broadcast_delivered", "broadcast_read", "broadcast_clicked", "broadcast_failed"] as const;
/** Failure reasons listed per broadcast, most users first. */
export const MAX_BROADCAST_FAILURE_REASONS = 5;

export const BROADCASTS_SEMANTICS = [
  "- Events in scope: the common filters, a resend counted once. A user is (channel, userId).",
  "- A broadcast is a `broadcastId` carried by at least one broadcast event (broadcast_sent, _delivered, _read, _clicked, _failed; not a custom `broadcast_…` type) in scope. It starts at its first send: the earliest `broadcast_sent`, or, when none was tracked, its earliest broadcast event. It is listed when that instant is in [from, to); everything about it then counts whenever it happened, even at or after `to` (like the funnel's conversions), so Friday's broadcast shows Saturday's leads.",
  "- Stages are per unique user over the events carrying the broadcastId, and imply the earlier ones: a click or a read proves a delivery, a delivery or a failure proves a send. clicked = users with a broadcast_clicked or a button_clicked carrying the broadcastId; delivered = users with a broadcast_delivered, a broadcast_read or a click; sent = delivered users and users with a broadcast_sent or broadcast_failed; failed = users with a broadcast_failed who were never delivered (a retry that got through is a delivery, not a failure). Replies (message_received with the broadcastId) are no stage.",
  "- read: counted only on channels that report reads (not Telegram, not VK); null when none of the broadcast's channels does — never 0 for \"unknown\". Its rate is over the users delivered on those channels.",
  "- A user's delivery instant is the earliest event proving their delivery. After-delivery figures count only delivered users (no delivery, no \"after\"), over events at t with delivery ≤ t ≤ delivery + limit, both edges included: unsubscribedOrBlocked (an `unsubscribed` or `blocked` event, 48 h), and within `window` users with a `lead`, users with an `order`, and revenue (sum of `order` and `payment` amounts). Those events need not carry the broadcastId; a user reached by two broadcasts counts in both.",
  "- Rates are over delivered users (read's over delivered-on-reporting-channels), null on a zero denominator.",
  `- failureReasons: per failed user the \`reason\` of their latest broadcast_failed (equal times: the larger event id; missing or empty = null), the ${MAX_BROADCAST_FAILURE_REASONS} with most users, ties by reason (UTF-8 bytes), null last.`,
  "- Money: `currency` when given, else the currency with the most attributed revenue over the listed broadcasts (ties by code), else RUB; other currencies per broadcast in `otherRevenue`, never converted. Broadcasts newest first, then by id.",
  "- Detail timeline: each user in the local hour (of `tz`) of the event that first proved delivered / read / clicked, so the hours sum to the totals; only non-empty hours, each named by the ISO UTC instant it starts.",
].join("\n");

/** After-delivery limit for unsubscribes and blocks (DESIGN: 48 h). */
export const BROADCAST_OPT_OUT_HOURS = 48;
/** Channels whose messengers never report that a message was read. */
export const CHANNELS_WITHOUT_READS = ["telegram", "vk"] as const;

export const BroadcastsQuerySchema = CommonQuerySchema.extend({
  // prefault: the default goes through the same parsing, so `window` is always seconds.
  window: FunnelWindowSchema.prefault(DEFAULT_BROADCAST_WINDOW).meta({
    type: "string",
    pattern: FUNNEL_WINDOW_PATTERN_SOURCE,
    default: DEFAULT_BROADCAST_WINDOW,
    description:
      "Conversion window after each user's delivery (30m, 12h, 3d … at most 90d; the funnel's grammar): leads, orders and revenue at delivery ≤ t ≤ delivery + window count, even past `to`",
  }),
});
export type BroadcastsQuery = z.infer<typeof BroadcastsQuerySchema>;

/** The 404 message of /broadcasts/{id}: it names the id (JSON-quoted, so any text stays readable). */
export const broadcastNotFoundMessage = (broadcastId: string): string =>
  `broadcast ${JSON.stringify(broadcastId)} not found: no broadcast with this id starts in the range under these filters`;

export const BroadcastIdParamSchema = z
  .string()
  .min(1)
  .max(MAX_ID_LENGTH)
  .meta({ description: "A broadcastId. 404 naming it when no broadcast with that id starts in the range under these filters (the list's rules)" });

export const BroadcastFailureReasonSchema = z.object({
  /** `properties.reason` of the user's latest broadcast_failed (ties: the larger event id); null when absent or "". */
  reason: z.string().nullable(),
  users: z.number().int().nonnegative(),
});

export const BroadcastFiguresSchema = z
  .object({
    broadcastId: z.string(),
    /** Channels with an event of this broadcast in scope, in the contract's order. */
    channels: z.array(ChannelSchema),
    /** ISO UTC: the earliest broadcast_sent, else the earliest broadcast_* event. */
    firstSentAt: z.string(),
    sent: z.number().int().nonnegative(),
    delivered: z.number().int().nonnegative(),
    /** Null when none of the broadcast's channels reports reads (Telegram, VK): unknown, not 0. */
    read: z.number().int().nonnegative().nullable(),
    clicked: z.number().int().nonnegative(),
    /** Users with a broadcast_failed and no delivery. */
    failed: z.number().int().nonnegative(),
    /** At most MAX_BROADCAST_FAILURE_REASONS, most users first, then reason (null last). */
    failureReasons: z.array(BroadcastFailureReasonSchema),
    /** Delivered users with an unsubscribed or blocked event within 48 h of their delivery. */
    unsubscribedOrBlocked: z.number().int().nonnegative(),
    /** Delivered users with a lead / an order within `window` of their delivery. */
    leads: z.number().int().nonnegative(),
    orders: z.number().int().nonnegative(),
    /** order + payment amounts within `window` of delivery, in the answer's currency. */
    revenue: MoneySchema,
    /** The same in other currencies (non-zero only, by code): listed, never converted. */
    otherRevenue: z.array(MoneySchema),
    deliveryRate: RateSchema.meta({ description: "delivered / sent" }),
    /** read / delivered on channels that report reads; null when read is null or none delivered there. */
    readRate: RateSchema,
    clickRate: RateSchema,
    unsubscribeRate: RateSchema,
    leadRate: RateSchema,
    orderRate: RateSchema,
  })
  .meta({ description: "One broadcast; figures are unique users except revenue; rates over delivered users unless noted" });
export type BroadcastFigures = z.infer<typeof BroadcastFiguresSchema>;

export const BroadcastsResponseSchema = z
  .object({
    range: RangeEchoSchema,
    windowSeconds: z.number().int().positive(),
    /** `currency` when given, else the currency with the most attributed revenue over the listed broadcasts (ties by code), else RUB. */
    currency: z.string(),
    /** Newest first (firstSentAt descending), then by broadcastId. */
    broadcasts: z.array(BroadcastFiguresSchema),
  })
  .meta({ description: BROADCASTS_SEMANTICS });
export type BroadcastsResponse = z.infer<typeof BroadcastsResponseSchema>;

export const BroadcastHourSchema = z.object({
  /** ISO UTC instant starting the hour (hours of `tz`, so a +05:30 zone's hours start at :30 UTC). */
  hour: z.string(),
  delivered: z.number().int().nonnegative(),
  read: z.number().int().nonnegative().nullable(),
  clicked: z.number().int().nonnegative(),
});

export const BroadcastDetailResponseSchema = z
  .object({
    range: RangeEchoSchema,
    windowSeconds: z.number().int().positive(),
    currency: z.string(),
    broadcast: BroadcastFiguresSchema,
    /**
     * Each user in the hour of the event that first proved the stage (so the hours sum to the totals); only
     * hours with a non-zero count, ascending. `read` is null throughout when the broadcast's read is null.
     */
    hours: z.array(BroadcastHourSchema),
  })
  .meta({
    description: `The list's row for one broadcast (same query, same figures, same currency) plus its timeline; 404 naming the id when the list would not contain it.\n${BROADCASTS_SEMANTICS}`,
  });
export type BroadcastDetailResponse = z.infer<typeof BroadcastDetailResponseSchema>;
