import { broadcastButtonData, broadcastPayload } from "./adapters/broadcast-button.js";
import type { MessageSender, Properties, ReservedEventType, TrackInput } from "./types.js";

/**
 * One method per reserved event type, each fixing `type` and taking the other fields. `In` is
 * the input: the full HelperInput on the client, a scoped input on a UserTracker.
 */
export interface ReservedHelpers<In> {
  /** The user opened the bot (pass the campaign in `source`). */
  botStarted(input: In): string | null;
  messageReceived(input: In): string | null;
  /** The bot (default) or an operator answered; `properties.sender = "operator"` for a human. */
  messageSent(input: In): string | null;
  /** `properties.button`: the button's label or callback id. */
  buttonClicked(input: In): string | null;
  lead(input: In): string | null;
  /** An order; pass revenue with currency to count it in revenue and ROAS. */
  order(input: In): string | null;
  payment(input: In): string | null;
  /** The conversation went to a human operator (counts against the bot resolution rate); `properties.reason`. */
  handoff(input: In): string | null;
  /** The bot closed the request itself. */
  resolved(input: In): string | null;
  subscribed(input: In): string | null;
  unsubscribed(input: In): string | null;
  blocked(input: In): string | null;
  /** broadcast_* events carry `broadcastId`, so the broadcasts report can group them. */
  broadcastSent(input: In): string | null;
  broadcastDelivered(input: In): string | null;
  broadcastRead(input: In): string | null;
  broadcastClicked(input: In): string | null;
  /** A send the messenger reported as failed; give `broadcastId` and `properties.reason`. */
  broadcastFailed(input: In): string | null;
  /** `properties.question` and `properties.answer` (`question = "csat"`: a rating 1–5). */
  surveyAnswered(input: In): string | null;
}

/** The event type behind each helper: the one place that pairs them. */
export const HELPER_TYPES = {
  botStarted: "bot_started",
  messageReceived: "message_received",
  messageSent: "message_sent",
  buttonClicked: "button_clicked",
  lead: "lead",
  order: "order",
  payment: "payment",
  handoff: "handoff",
  resolved: "resolved",
  subscribed: "subscribed",
  unsubscribed: "unsubscribed",
  blocked: "blocked",
  broadcastSent: "broadcast_sent",
  broadcastDelivered: "broadcast_delivered",
  broadcastRead: "broadcast_read",
  broadcastClicked: "broadcast_clicked",
  broadcastFailed: "broadcast_failed",
  surveyAnswered: "survey_answered",
} as const satisfies Record<keyof ReservedHelpers<unknown>, ReservedEventType>;

// Every reserved type of the contract has a helper: a new one in schemas fails the type check here.
type WithoutHelper = Exclude<ReservedEventType, (typeof HELPER_TYPES)[keyof typeof HELPER_TYPES]>;
const everyTypeHasHelper: WithoutHelper extends never ? true : false = true;
void everyTypeHasHelper;

/**
 * What a helper adds to its caller's input: the broadcast of `cf.broadcast(id)` and reserved properties
 * (`sender`, `reason`). Added last, so they win over the same fields in the input: `operatorReply` is
 * always an operator's, and a broadcast's helpers always name that broadcast.
 */
export type HelperExtra = Pick<TrackInput, "broadcastId"> & { properties?: Properties };

/** The events of one broadcast a bot sends itself, each with its `broadcastId`. */
export interface BroadcastHelpers<In> {
  readonly broadcastId: string;
  /** broadcast_sent: the bot handed the message to the messenger for this user. */
  sent(input: In): string | null;
  /** broadcast_delivered: the messenger confirmed delivery. */
  delivered(input: In): string | null;
  /** broadcast_read: the user read it (Telegram and VK never tell: do not guess). */
  read(input: In): string | null;
  /** broadcast_clicked: a link or button in it (adapters track buttons written with `buttonData` themselves). */
  clicked(input: In): string | null;
  /** broadcast_failed with `properties.reason` (e.g. "bot blocked", "chat not found"). */
  failed(reason: string, input: In): string | null;
  /** Telegram callback data or a WhatsApp reply button id for a button under this broadcast (`cf:b=<id>;<data>`): its clicks then carry the broadcast. */
  buttonData(data?: string): string;
  /** The same for a VK button's payload object (adds `"cf_b": <id>`). */
  vkPayload(payload?: Record<string, unknown>): Record<string, unknown>;
}

/** Helpers for what is more than a type: an operator's reply, a handoff's reason, one broadcast's events. */
export interface ConversationHelpers<In> {
  /** message_sent with `properties.sender = "operator"`: a human answered (the support report's first response). */
  operatorReply(input: In): string | null;
  /** handoff with `properties.reason`: why the bot passed the conversation to a human. */
  handoffTo(reason: string, input: In): string | null;
  /** `cf.broadcast("fri-sale").delivered({ userId })`: every event of that broadcast carries its id. */
  broadcast(broadcastId: string): BroadcastHelpers<In>;
}

export type Helpers<In> = ReservedHelpers<In> & ConversationHelpers<In>;

const OPERATOR: MessageSender = "operator";

/** Builds the helper methods over one enqueue function. */
export function buildHelpers<In>(enqueue: (type: ReservedEventType, input: In, extra?: HelperExtra) => string | null): Helpers<In> {
  const helpers = {} as Record<keyof ReservedHelpers<In>, (input: In) => string | null>;
  for (const [name, type] of Object.entries(HELPER_TYPES) as [keyof ReservedHelpers<In>, ReservedEventType][]) helpers[name] = (input) => enqueue(type, input);
  return {
    ...helpers,
    operatorReply: (input) => enqueue("message_sent", input, { properties: { sender: OPERATOR } }),
    handoffTo: (reason, input) => enqueue("handoff", input, { properties: { reason } }),
    broadcast: (broadcastId) => ({
      broadcastId,
      sent: (input) => enqueue("broadcast_sent", input, { broadcastId }),
      delivered: (input) => enqueue("broadcast_delivered", input, { broadcastId }),
      read: (input) => enqueue("broadcast_read", input, { broadcastId }),
      clicked: (input) => enqueue("broadcast_clicked", input, { broadcastId }),
      failed: (reason, input) => enqueue("broadcast_failed", input, { broadcastId, properties: { reason } }),
      buttonData: (data) => broadcastButtonData(broadcastId, data),
      vkPayload: (payload) => broadcastPayload(broadcastId, payload),
    }),
  };
}

/** A helper's input with its extra fields merged in (no copy when there is nothing to add). */
export function withExtra<T extends Pick<TrackInput, "broadcastId" | "properties">>(input: T, extra: HelperExtra | undefined): T {
  if (extra === undefined) return input;
  const merged = { ...input };
  if (extra.broadcastId !== undefined) merged.broadcastId = extra.broadcastId;
  if (extra.properties !== undefined) merged.properties = { ...input.properties, ...extra.properties };
  return merged;
}
