import type { ReservedEventType } from "./types.js";

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

/** Builds the helper methods over one enqueue function. */
export function buildHelpers<In>(enqueue: (type: ReservedEventType, input: In) => string | null): ReservedHelpers<In> {
  const helpers = {} as Record<keyof ReservedHelpers<In>, (input: In) => string | null>;
  for (const [name, type] of Object.entries(HELPER_TYPES) as [keyof ReservedHelpers<In>, ReservedEventType][]) helpers[name] = (input) => enqueue(type, input);
  return helpers;
}
