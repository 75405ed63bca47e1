import type { AdapterResult } from "./result.js";
import { telegramUpdateToEvents } from "./telegram.js";

/**
 * What the middleware reads from a grammY (or Telegraf-like) context, typed structurally so
 * grammY need not be a dependency: any Context has `update`, and `me` once the bot is initialized.
 */
export interface TelegramContextLike {
  update: unknown;
  me?: { id?: number; username?: string };
}

export type NextFunction = () => Promise<void>;

export interface GrammyMiddlewareOptions {
  /** Bot id for the events; default the client's botId, else the bot's @username from ctx.me. */
  botId?: string;
}

/**
 * grammY middleware: tracks each update, then always calls next(). Tracking never throws into
 * the bot (errors go to `report`), and the bot's own errors from next() propagate untouched.
 */
export function grammyMiddleware(
  track: (update: unknown, botId: string | undefined) => AdapterResult,
  report: (error: Error) => void,
  options: GrammyMiddlewareOptions = {},
  defaultBotId?: string,
): (ctx: TelegramContextLike, next: NextFunction) => Promise<void> {
  return async (ctx, next) => {
    try {
      const botId = options.botId ?? defaultBotId ?? ctx.me?.username ?? (ctx.me?.id !== undefined ? String(ctx.me.id) : undefined);
      const result = track(ctx.update, botId);
      if (!result.ok) report(new Error(result.error));
    } catch (error) {
      report(error instanceof Error ? error : new Error(String(error)));
    }
    await next();
  };
}

export { telegramUpdateToEvents };
