/** Event types with a meaning in the metrics; any other snake_case type is a custom event. */
export const RESERVED_EVENT_TYPES = [
  "bot_started",
  "message_received",
  "message_sent",
  "button_clicked",
  "lead",
  "order",
  "payment",
  "handoff",
  "resolved",
  "subscribed",
  "unsubscribed",
  "blocked",
  "broadcast_sent",
  "broadcast_delivered",
  "broadcast_read",
  "broadcast_clicked",
  /** A send the messenger reports as failed; `properties.reason` says why. */
  "broadcast_failed",
  "survey_answered",
] as const;
export type ReservedEventType = (typeof RESERVED_EVENT_TYPES)[number];

/**
 * Events the bot or a broadcast does to a user, not the user's own doing: a bot's or operator's answer and a
 * broadcast's send, delivery or failure. Retention's `return=any` leaves them out, so a broadcast delivered to a
 * user who never looks at it does not read as the user coming back (on demo data it made most of a week's
 * "returns"). A read or a click of a broadcast is the user's and stays in.
 */
export const BOT_SIDE_EVENT_TYPES = ["message_sent", "broadcast_sent", "broadcast_delivered", "broadcast_failed"] as const satisfies readonly ReservedEventType[];
export type BotSideEventType = (typeof BOT_SIDE_EVENT_TYPES)[number];

/** An event type is snake_case: lowercase letters, digits and _, starting with a letter, at most 64 long. */
export const MAX_EVENT_TYPE_LENGTH = 64;
/** Unanchored, as an HTML input's `pattern` attribute wants it. */
export const EVENT_TYPE_PATTERN_SOURCE = "[a-z][a-z0-9_]*";
export const EVENT_TYPE_PATTERN = new RegExp(`^${EVENT_TYPE_PATTERN_SOURCE}$`);
export const EVENT_TYPE_MESSAGE = "must be snake_case: lowercase letters, digits and _ starting with a letter";
export function isEventType(text: string): boolean {
  return text.length <= MAX_EVENT_TYPE_LENGTH && EVENT_TYPE_PATTERN.test(text);
}

/** ISO 4217 codes such as RUB or USD. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** Earliest timestamp we accept: older events are almost always a unit mistake (seconds vs ms). */
export const MIN_EVENT_TIME_MS = Date.UTC(2000, 0, 1);
/** Bots' clocks drift; a day ahead is tolerated, more is a bug on the sender's side. */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

/** Text limits of an event, in UTF-16 units: ids (botId, userId, sessionId, broadcastId) and property names. */
export const MAX_ID_LENGTH = 128;
export const MAX_PROPERTY_NAME_LENGTH = 128;
export const MAX_PROPERTY_VALUE_LENGTH = 1024;
/** source.source, medium, campaign, content, term. */
export const MAX_SOURCE_FIELD_LENGTH = 256;
/** source.payload: Telegram's /start payload, a WhatsApp ad referral id, a VK ref. */
export const MAX_SOURCE_PAYLOAD_LENGTH = 512;
export const MAX_PROPERTIES = 64;

/** GET /api/v1/events: a page of the explorer, by default and at most. */
export const EVENTS_DEFAULT_LIMIT = 100;
export const EVENTS_MAX_LIMIT = 1000;

/** Revenue is stored as Decimal(18, 4): larger amounts would make the engine refuse the whole insert. */
export const MAX_REVENUE = 1e14;

/**
 * Text the engine can store: a lone UTF-16 surrogate (a message cut in the middle of an emoji,
 * `"hello 😀".slice(0, 7)`) has no UTF-8 form, so ClickHouse refuses it or stores it garbled.
 * The collector also reads each byte of a body that is not UTF-8 as a lone surrogate, so such an
 * event is refused at its field. isWellFormed is native (ES2024) and ~3x cheaper than a regex on
 * the ingest hot path; the regex serves older browsers.
 */
export const LONE_SURROGATE_MESSAGE = "contains a lone surrogate (text cut inside an emoji?) or bytes that are not UTF-8";
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
export const isWellFormedText: (value: string) => boolean = nativeWellFormed
  ? (value) => nativeWellFormed.call(value)
  : (value) => !LONE_SURROGATE.test(value);

/** `sender` on `message_sent`: who answered. Absent means the bot, the common case. */
export const MESSAGE_SENDERS = ["bot", "operator"] as const;
export type MessageSender = (typeof MESSAGE_SENDERS)[number];

/**
 * `survey_answered` with this `question` is a satisfaction rating the support report averages; its
 * `answer` is one of these ratings, stored as text (a number 5 and a button's "5" are stored alike).
 */
export const CSAT_QUESTION = "csat";
export const CSAT_RATINGS = ["1", "2", "3", "4", "5"] as const;
export type CsatRating = (typeof CSAT_RATINGS)[number];
