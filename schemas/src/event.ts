import { z } from "zod";

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

export const CHANNELS = ["telegram", "whatsapp", "vk", "max", "viber", "web", "other"] as const;
export const ChannelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof ChannelSchema>;

export const EventTypeSchema = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9_]*$/, "must be snake_case: lowercase letters, digits and _ starting with a letter");

export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as RUB or USD");

/** Earliest timestamp we accept: older events are almost always a unit mistake (seconds vs ms). */
export const MIN_EVENT_TIME_MS = Date.UTC(2000, 0, 1);
/** Bots' clocks drift; a day ahead is tolerated, more is a bug on the sender's side. */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

export const TimestampSchema = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 date-time with an offset, e.g. 2026-05-01T10:00:00+03:00" })
  // An unparseable value already has its format error; the bounds only speak about real instants.
  .refine((value) => !(Date.parse(value) < MIN_EVENT_TIME_MS), "must not be before 2000-01-01")
  .refine((value) => !(Date.parse(value) > Date.now() + MAX_FUTURE_SKEW_MS), "must not be more than 24 hours in the future");

/**
 * Text the engine can store: a lone UTF-16 surrogate (a message cut in the middle of an emoji,
 * `"hello 😀".slice(0, 7)`) has no UTF-8 form, so ClickHouse refuses it or stores it garbled.
 * The collector also reads each byte of a body that is not UTF-8 as a lone surrogate, so such an
 * event is refused here at its field. isWellFormed is native (ES2024) and ~3x cheaper than a
 * regex on the ingest hot path; the regex serves older browsers importing these schemas.
 */
export const LONE_SURROGATE_MESSAGE = "contains a lone surrogate (text cut inside an emoji?) or bytes that are not UTF-8";
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
export const isWellFormedText: (value: string) => boolean = nativeWellFormed
  ? (value) => nativeWellFormed.call(value)
  : (value) => !LONE_SURROGATE.test(value);

/** A string of at most `max` UTF-16 units that the engine can store as it is. */
export function textSchema(max: number, min = 0) {
  return z.string().min(min).max(max).refine(isWellFormedText, LONE_SURROGATE_MESSAGE);
}

export const SourceSchema = z.strictObject({
  source: textSchema(256).optional(),
  medium: textSchema(256).optional(),
  campaign: textSchema(256).optional(),
  content: textSchema(256).optional(),
  term: textSchema(256).optional(),
  /** Raw attribution payload: Telegram /start payload, WhatsApp ad referral id, VK ref. */
  payload: textSchema(512).optional(),
});
export type Source = z.infer<typeof SourceSchema>;

export const MAX_PROPERTIES = 64;
export const PropertyValueSchema = z.union([textSchema(1024), z.number().finite(), z.boolean(), z.null()]);
const PropertyRecordSchema = z
  .record(textSchema(128, 1), PropertyValueSchema)
  .refine((props) => Object.keys(props).length <= MAX_PROPERTIES, `must have at most ${MAX_PROPERTIES} keys`);
/**
 * zod skips a `__proto__` key (assigning it would replace the result's prototype), so such a
 * property would be answered 200 and silently dropped. It is refused by name instead: see
 * README "Decisions". JSON.parse makes it an own property, which is what is looked for.
 */
export const PropertiesSchema = z.preprocess((value: z.input<typeof PropertyRecordSchema>, ctx) => {
  if (typeof value === "object" && value !== null && Object.hasOwn(value, "__proto__")) {
    ctx.issues.push({ code: "custom", path: ["__proto__"], input: value, message: "is a reserved name (__proto__); give the property another name" });
  }
  return value;
}, PropertyRecordSchema);
export type Properties = z.infer<typeof PropertiesSchema>;

export const EventSchema = z
  .strictObject({
    id: z.uuid("must be a UUID"),
    type: EventTypeSchema,
    channel: ChannelSchema,
    botId: textSchema(128, 1),
    userId: textSchema(128, 1),
    sessionId: textSchema(128, 1).optional(),
    /** On every broadcast_* event and on the clicks and replies a broadcast caused. */
    broadcastId: textSchema(128, 1).optional(),
    timestamp: TimestampSchema,
    source: SourceSchema.optional(),
    // Stored as Decimal(18, 4): larger amounts would make ClickHouse refuse the whole insert.
    revenue: z.number().finite().nonnegative().lt(1e14, "must be below 100 000 000 000 000").optional(),
    currency: CurrencySchema.optional(),
    properties: PropertiesSchema.optional(),
  })
  .refine((event) => event.revenue === undefined || event.currency !== undefined, {
    path: ["currency"],
    message: "is required when revenue is set",
  });
export type Event = z.infer<typeof EventSchema>;
/** What a sender builds before validation: the same fields, with the same types. */
export type EventInput = z.input<typeof EventSchema>;
