import { z } from "zod";
import {
  CHANNELS,
  CSAT_QUESTION,
  CSAT_RATINGS,
  CURRENCY_PATTERN,
  EVENT_TYPE_MESSAGE,
  EVENT_TYPE_PATTERN,
  LONE_SURROGATE_MESSAGE,
  MAX_EVENT_TYPE_LENGTH,
  MAX_FUTURE_SKEW_MS,
  MAX_ID_LENGTH,
  MAX_PROPERTIES,
  MAX_PROPERTY_NAME_LENGTH,
  MAX_PROPERTY_VALUE_LENGTH,
  MAX_REVENUE,
  MAX_SOURCE_FIELD_LENGTH,
  MAX_SOURCE_PAYLOAD_LENGTH,
  MESSAGE_SENDERS,
  MIN_EVENT_TIME_MS,
  isWellFormedText,
  type MessageSender,
} from "@chatfunnel/contract";

// The plain contract (lists, limits, grammars) lives in contract/ so the SDK and the browser share it without
// zod; these schemas are built on it, and re-export it so importers of @chatfunnel/schemas see one contract.
export { BOT_SIDE_EVENT_TYPES, CHANNELS, CSAT_QUESTION, CSAT_RATINGS, MESSAGE_SENDERS, RESERVED_EVENT_TYPES, MIN_EVENT_TIME_MS, MAX_FUTURE_SKEW_MS, MAX_PROPERTIES, LONE_SURROGATE_MESSAGE, isWellFormedText } from "@chatfunnel/contract";
export type { BotSideEventType, ReservedEventType } from "@chatfunnel/contract";

export const ChannelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof ChannelSchema>;

export const EventTypeSchema = z.string().max(MAX_EVENT_TYPE_LENGTH).regex(EVENT_TYPE_PATTERN, EVENT_TYPE_MESSAGE);

export const CurrencySchema = z.string().regex(CURRENCY_PATTERN, "must be an ISO 4217 code such as RUB or USD");

export const TimestampSchema = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 date-time with an offset, e.g. 2026-05-01T10:00:00+03:00" })
  // An unparseable value already has its format error; the bounds only speak about real instants.
  .refine((value) => !(Date.parse(value) < MIN_EVENT_TIME_MS), "must not be before 2000-01-01")
  .refine((value) => !(Date.parse(value) > Date.now() + MAX_FUTURE_SKEW_MS), "must not be more than 24 hours in the future");

/** A string of at most `max` UTF-16 units that the engine can store as it is. */
export function textSchema(max: number, min = 0) {
  return z.string().min(min).max(max).refine(isWellFormedText, LONE_SURROGATE_MESSAGE);
}

export const SourceSchema = z.strictObject({
  source: textSchema(MAX_SOURCE_FIELD_LENGTH).optional(),
  medium: textSchema(MAX_SOURCE_FIELD_LENGTH).optional(),
  campaign: textSchema(MAX_SOURCE_FIELD_LENGTH).optional(),
  content: textSchema(MAX_SOURCE_FIELD_LENGTH).optional(),
  term: textSchema(MAX_SOURCE_FIELD_LENGTH).optional(),
  /** Raw attribution payload: Telegram /start payload, WhatsApp ad referral id, VK ref. */
  payload: textSchema(MAX_SOURCE_PAYLOAD_LENGTH).optional(),
});
export type Source = z.infer<typeof SourceSchema>;

export const PropertyValueSchema = z.union([textSchema(MAX_PROPERTY_VALUE_LENGTH), z.number().finite(), z.boolean(), z.null()]);
const PropertyRecordSchema = z
  .record(textSchema(MAX_PROPERTY_NAME_LENGTH, 1), PropertyValueSchema)
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

export const MessageSenderSchema = z.enum(MESSAGE_SENDERS);
export type { MessageSender };

/**
 * A CSAT answer is a whole rating (CSAT_RATINGS), as a number or as the same digit in a string: a messenger
 * button carries its value as text ("5" in callback data), and both are stored as the text "5", so the report
 * reads them alike. Anything else ("5.0", 4.5, "five", a missing answer) would be an average of nothing.
 */
export function isCsatAnswer(value: unknown): boolean {
  const text = typeof value === "number" && Number.isInteger(value) ? String(value) : value;
  return typeof text === "string" && (CSAT_RATINGS as readonly string[]).includes(text);
}

type ReservedPropertyCheck = { type: string; name: string; applies?: (props: Properties) => boolean; valid: (value: unknown, present: boolean) => boolean; message: string };
/**
 * Reserved properties whose value the metrics read (DESIGN.md "Event contract additions"): a value they
 * cannot read is refused at ingest with the field named, instead of being counted as something else later.
 */
const RESERVED_PROPERTY_CHECKS: readonly ReservedPropertyCheck[] = [
  { type: "message_sent", name: "sender", valid: (value, present) => !present || MessageSenderSchema.safeParse(value).success, message: `must be "bot" or "operator" (leave it out for the bot)` },
  {
    type: "survey_answered",
    name: "answer",
    applies: (props) => props["question"] === CSAT_QUESTION,
    valid: (value) => isCsatAnswer(value),
    message: `must be a rating ${CSAT_RATINGS[0]}–${CSAT_RATINGS[CSAT_RATINGS.length - 1]} (a whole number, or the same digit as text) when question is "${CSAT_QUESTION}"`,
  },
];

export const EventSchema = z
  .strictObject({
    id: z.uuid("must be a UUID"),
    type: EventTypeSchema,
    channel: ChannelSchema,
    botId: textSchema(MAX_ID_LENGTH, 1),
    userId: textSchema(MAX_ID_LENGTH, 1),
    sessionId: textSchema(MAX_ID_LENGTH, 1).optional(),
    /** On every broadcast_* event and on the clicks and replies a broadcast caused. */
    broadcastId: textSchema(MAX_ID_LENGTH, 1).optional(),
    timestamp: TimestampSchema,
    source: SourceSchema.optional(),
    // Stored as Decimal(18, 4): larger amounts would make ClickHouse refuse the whole insert.
    revenue: z.number().finite().nonnegative().lt(MAX_REVENUE, "must be below 100 000 000 000 000").optional(),
    currency: CurrencySchema.optional(),
    properties: PropertiesSchema.optional(),
  })
  .refine((event) => event.revenue === undefined || event.currency !== undefined, {
    path: ["currency"],
    message: "is required when revenue is set",
  })
  .superRefine((event, ctx) => {
    const props = event.properties ?? {};
    for (const check of RESERVED_PROPERTY_CHECKS) {
      if (event.type !== check.type || (check.applies !== undefined && !check.applies(props))) continue;
      if (!check.valid(props[check.name], Object.hasOwn(props, check.name))) ctx.addIssue({ code: "custom", path: ["properties", check.name], message: check.message });
    }
  });
export type Event = z.infer<typeof EventSchema>;
/** What a sender builds before validation: the same fields, with the same types. */
export type EventInput = z.input<typeof EventSchema>;
