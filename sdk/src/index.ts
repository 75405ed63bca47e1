export { Chatfunnel, type MessengerTracker, type TelegramTracker } from "./chatfunnel.js";
export { ChatfunnelClient, DEFAULTS, MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from "./client.js";
export { ChatfunnelHttpError } from "./transport.js";
export type {
  Channel,
  ChatfunnelOptions,
  ChatfunnelStats,
  DropReason,
  EventInput,
  FetchLike,
  FieldError,
  FlushResult,
  HelperInput,
  IngestResponse,
  MessageSender,
  OverflowPolicy,
  Properties,
  QueuedEvent,
  RejectedEvent,
  ReservedEventType,
  ShutdownResult,
  Source,
  TrackInput,
} from "./types.js";
export type { AdapterOptions, AdapterResult } from "./adapters/result.js";
export { telegramUpdateToEvents } from "./adapters/telegram.js";
export { grammyMiddleware, type ChatfunnelFlavor, type GrammyMiddlewareOptions, type NextFunction, type TelegramContextLike } from "./adapters/grammy.js";
export type { BroadcastHelpers, ConversationHelpers, Helpers, ReservedHelpers } from "./helpers.js";
export type { ScopedInput, UserTracker } from "./scoped.js";
export { whatsappWebhookToEvents } from "./adapters/whatsapp.js";
export { vkUpdateToEvents } from "./adapters/vk.js";
export { buildStartPayload, parseStartPayload } from "./adapters/payload.js";
export { updateEventId } from "./adapters/ids.js";
export { broadcastButtonData, broadcastPayload, parseBroadcastButton, parseBroadcastPayload } from "./adapters/broadcast-button.js";
export { UPDATE_ID_NAMESPACE, uuidV5 } from "./uuid.js";
