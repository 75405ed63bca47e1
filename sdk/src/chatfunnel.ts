import { ChatfunnelClient } from "./client.js";
import { grammyMiddleware, type GrammyMiddlewareOptions, type NextFunction, type TelegramContextLike } from "./adapters/grammy.js";
import type { AdapterOptions, AdapterResult } from "./adapters/result.js";
import { telegramUpdateToEvents } from "./adapters/telegram.js";
import { vkUpdateToEvents } from "./adapters/vk.js";
import { whatsappWebhookToEvents } from "./adapters/whatsapp.js";
import type { ChatfunnelOptions, HelperInput, ReservedEventType } from "./types.js";

/** One messenger's adapter bound to a client: map a payload, then track what it yields. */
export interface MessengerTracker {
  /** Tracks the events in one update/webhook body; a body it cannot read comes back as {ok:false} (and goes to onError). */
  track(body: unknown, options?: AdapterOptions): AdapterResult;
}

export interface TelegramTracker extends MessengerTracker {
  /** grammY middleware: `bot.use(cf.telegram.grammy())`. Tracks every update and always calls next(). */
  grammy(options?: GrammyMiddlewareOptions): (ctx: TelegramContextLike, next: NextFunction) => Promise<void>;
}

type Helper = (input: HelperInput) => string | null;

/**
 * The Chatfunnel client with helpers for the reserved event types and messenger adapters:
 *
 *   const cf = new Chatfunnel({ writeKey, endpoint });
 *   bot.use(cf.telegram.grammy());
 */
export class Chatfunnel extends ChatfunnelClient {
  readonly telegram: TelegramTracker;
  readonly whatsapp: MessengerTracker;
  readonly vk: MessengerTracker;

  readonly botStarted = this.helper("bot_started");
  readonly messageReceived = this.helper("message_received");
  readonly messageSent = this.helper("message_sent");
  readonly buttonClicked = this.helper("button_clicked");
  readonly lead = this.helper("lead");
  /** An order; pass revenue with currency to count it in revenue and ROAS. */
  readonly order = this.helper("order");
  readonly payment = this.helper("payment");
  /** The conversation went to a human operator (counts against the bot resolution rate). */
  readonly handoff = this.helper("handoff");
  /** The bot closed the request itself. */
  readonly resolved = this.helper("resolved");
  readonly subscribed = this.helper("subscribed");
  readonly unsubscribed = this.helper("unsubscribed");
  readonly blocked = this.helper("blocked");
  readonly broadcastSent = this.helper("broadcast_sent");
  readonly broadcastDelivered = this.helper("broadcast_delivered");
  readonly broadcastRead = this.helper("broadcast_read");
  readonly broadcastClicked = this.helper("broadcast_clicked");
  /** A send the messenger reported as failed; give `broadcastId` and `properties.reason`. */
  readonly broadcastFailed = this.helper("broadcast_failed");
  readonly surveyAnswered = this.helper("survey_answered");

  constructor(options: ChatfunnelOptions) {
    super(options);
    const bind = (map: (body: unknown, options: AdapterOptions) => AdapterResult): MessengerTracker => ({
      track: (body, adapterOptions = {}) => this.trackAdapted(map, body, adapterOptions),
    });
    // Telegram updates do not name the bot, and the bot id is part of each event's derived id:
    // the client's default must be known before mapping, not filled in afterwards.
    const telegram = bind((update, adapterOptions) => telegramUpdateToEvents(update, { ...adapterOptions, botId: adapterOptions.botId ?? this.defaultBotId }));
    this.telegram = {
      ...telegram,
      grammy: (grammyOptions = {}) =>
        grammyMiddleware(
          (update, botId) => telegram.track(update, { botId }),
          (error) => this.reportError(error),
          grammyOptions,
          this.defaultBotId,
        ),
    };
    this.whatsapp = bind(whatsappWebhookToEvents);
    this.vk = bind(vkUpdateToEvents);
  }

  private helper(type: ReservedEventType): Helper {
    return (input) => this.enqueue(type, input);
  }

  private trackAdapted(map: (body: unknown, options: AdapterOptions) => AdapterResult, body: unknown, options: AdapterOptions): AdapterResult {
    const result = map(body, options);
    if (!result.ok) {
      this.reportError(new Error(result.error));
      return result;
    }
    for (const event of result.events) this.track(event);
    return result;
  }
}
