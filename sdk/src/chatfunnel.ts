import { ChatfunnelClient } from "./client.js";
import { grammyMiddleware, type GrammyMiddlewareOptions, type NextFunction, type TelegramContextLike } from "./adapters/grammy.js";
import type { AdapterOptions, AdapterResult } from "./adapters/result.js";
import { telegramUpdateToEvents } from "./adapters/telegram.js";
import { vkUpdateToEvents } from "./adapters/vk.js";
import { whatsappWebhookToEvents } from "./adapters/whatsapp.js";
import { buildHelpers, withExtra, type HelperExtra, type Helpers } from "./helpers.js";
import type { ScopedInput, UserTracker } from "./scoped.js";
import type { Channel, ChatfunnelOptions, HelperInput } from "./types.js";

/** One messenger's adapter bound to a client: map a payload, then track what it yields. */
export interface MessengerTracker {
  /** Tracks the events in one update/webhook body; a body it cannot read comes back as {ok:false} (and goes to onError). */
  track(body: unknown, options?: AdapterOptions): AdapterResult;
}

export interface TelegramTracker extends MessengerTracker {
  /**
   * grammY middleware: `bot.use(cf.telegram.grammy())`. Tracks every update, sets `ctx.chatfunnel`
   * (helpers bound to the update's bot and user) and always calls next().
   */
  grammy(options?: GrammyMiddlewareOptions): (ctx: TelegramContextLike, next: NextFunction) => Promise<void>;
}

// The helpers (lead, order, broadcast, …) are declared once, in helpers.ts, and merged into the class here.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Chatfunnel extends Helpers<HelperInput> {}

/**
 * The Chatfunnel client with helpers for the reserved event types and messenger adapters:
 *
 *   const cf = new Chatfunnel({ writeKey, endpoint });
 *   bot.use(cf.telegram.grammy());
 *   bot.command("buy", (ctx) => ctx.chatfunnel.lead());
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Chatfunnel extends ChatfunnelClient {
  readonly telegram: TelegramTracker;
  readonly whatsapp: MessengerTracker;
  readonly vk: MessengerTracker;
  /**
   * The bot each channel's middleware reported (null once two different bots did): a direct
   * `cf.lead({ channel: "telegram", userId })` in a grammY handler then needs no botId.
   */
  private readonly learnedBots = new Map<Channel, string | null>();

  constructor(options: ChatfunnelOptions) {
    super(options);
    Object.assign(this, buildHelpers<HelperInput>((type, input, extra) => this.enqueue(type, withExtra(input, extra))));
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
          {
            defaultBotId: this.defaultBotId,
            trackUpdate: (update, botId) => telegram.track(update, { botId }),
            forUser: (scope) => this.forUser(scope),
            learnBot: (channel, botId) => this.learnBot(channel, botId),
            report: (error) => this.reportError(error),
          },
          grammyOptions,
        ),
    };
    this.whatsapp = bind(whatsappWebhookToEvents);
    this.vk = bind(vkUpdateToEvents);
  }

  /**
   * Helpers bound to one user of one bot, for handlers outside grammY:
   * `const user = cf.forUser({ channel: "vk", botId: "218123456", userId }); user.lead();`
   */
  forUser(scope: { channel: Channel; botId?: string | undefined; userId?: string | undefined }): UserTracker {
    const { channel, botId, userId } = scope;
    const enqueue = (type: string, input: ScopedInput | void, extra?: HelperExtra): string | null =>
      this.enqueue(type, withExtra({ ...input, channel: input?.channel ?? channel, botId: input?.botId ?? botId, userId: (input?.userId ?? userId) as string }, extra));
    return { channel, botId, userId, track: (input) => enqueue(input.type, input), ...buildHelpers<ScopedInput | void>(enqueue) };
  }

  protected override fallbackBotId(channel: Channel | undefined): string | undefined {
    return this.defaultBotId ?? (channel === undefined ? undefined : (this.learnedBots.get(channel) ?? undefined));
  }

  protected override fallbackChannel(): Channel | undefined {
    if (this.defaultChannel !== undefined || this.learnedBots.size !== 1) return this.defaultChannel;
    return this.learnedBots.keys().next().value;
  }

  private learnBot(channel: Channel, botId: string): void {
    const known = this.learnedBots.get(channel);
    if (known === botId || known === null) return;
    // One client serving two bots of one channel cannot guess which one a direct call means.
    this.learnedBots.set(channel, known === undefined ? botId : null);
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
