import type { AdapterResult } from "./result.js";
import type { UserTracker } from "../scoped.js";

/**
 * What the middleware reads from a grammY (or Telegraf-like) context, typed structurally so
 * grammY need not be a dependency: every Context has `update`, `me` once the bot is initialized
 * (grammY refuses updates before that), and `from` for updates with a sender.
 */
export interface TelegramContextLike {
  update: unknown;
  me?: { id?: number; username?: string };
  from?: { id?: number } | undefined;
  chatfunnel?: UserTracker;
}

/** Add to your context type to see `ctx.chatfunnel`: `Bot<Context & ChatfunnelFlavor>`. */
export interface ChatfunnelFlavor {
  /** Helpers bound to this update's channel, bot and user: `ctx.chatfunnel.lead()`. */
  chatfunnel: UserTracker;
}

export type NextFunction = () => Promise<void>;

export interface GrammyMiddlewareOptions {
  /** Bot id for the events; default the client's botId, else the bot's username from ctx.me (its numeric id when it has none). */
  botId?: string;
}

/** What the middleware needs from the client. */
export interface GrammyHost {
  defaultBotId: string | undefined;
  /** Tracks one update's events for this bot. */
  trackUpdate(update: unknown, botId: string | undefined): AdapterResult;
  /** Helpers bound to one user of this bot. */
  forUser(scope: { channel: "telegram"; botId: string | undefined; userId: string | undefined }): UserTracker;
  /** Tells the client which bot it serves, so direct calls without botId get it. */
  learnBot(channel: "telegram", botId: string): void;
  report(error: Error): void;
}

/** The bot id grammY knows: its username (what t.me links and people use), else its numeric id. */
export function botIdFromMe(me: TelegramContextLike["me"]): string | undefined {
  if (me?.username) return me.username;
  return me?.id !== undefined ? String(me.id) : undefined;
}

/**
 * grammY middleware: tracks each update, puts `ctx.chatfunnel` (helpers bound to the update's
 * bot and user) on the context, then always calls next(). Tracking never throws into the bot
 * (errors go to `report`), and the bot's own errors from next() propagate untouched.
 */
export function grammyMiddleware(host: GrammyHost, options: GrammyMiddlewareOptions = {}): (ctx: TelegramContextLike, next: NextFunction) => Promise<void> {
  return async (ctx, next) => {
    try {
      const botId = options.botId ?? host.defaultBotId ?? botIdFromMe(ctx.me);
      if (botId !== undefined) host.learnBot("telegram", botId);
      const fromId = ctx.from?.id;
      ctx.chatfunnel = host.forUser({ channel: "telegram", botId, userId: fromId === undefined ? undefined : String(fromId) });
      const result = host.trackUpdate(ctx.update, botId);
      if (!result.ok) host.report(new Error(result.error));
    } catch (error) {
      host.report(error instanceof Error ? error : new Error(String(error)));
    }
    await next();
  };
}
