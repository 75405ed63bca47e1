import { z } from "zod";
import { WebhookUrlSchema } from "./webhooks.js";

/**
 * Where an alert or a digest is sent: a Telegram chat through the Bot API, or a webhook. One home for the
 * target's shape, shared by alerts and digests (DESIGN.md "Alerts, digests and lead export").
 */

/**
 * A bot token as @BotFather issues it: the bot's numeric id, a colon, and a secret of URL-safe characters
 * (the Bot API docs' example is `123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11`). A token of another shape can
 * never work, so it is refused at the edge instead of failing at the first delivery.
 */
export const TelegramBotTokenSchema = z.string().regex(/^[0-9]{1,20}:[A-Za-z0-9_-]{30,100}$/, "must be a Telegram bot token: <bot id>:<secret>, as @BotFather gives it");

/** A chat id as the Bot API takes it: a (possibly negative, for groups and channels) integer, or `@channelusername`. */
export const TelegramChatIdSchema = z.union([
  z.number().int().refine((n) => Number.isSafeInteger(n) && n !== 0, "must be a non-zero integer chat id"),
  z.string().regex(/^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/, "must be a numeric chat id or @channelusername"),
]);

export const TelegramTargetSchema = z.strictObject({ botToken: TelegramBotTokenSchema, chatId: TelegramChatIdSchema });
export type TelegramTarget = z.infer<typeof TelegramTargetSchema>;

/**
 * Exactly one of `telegram` or `webhook`. An object with two optional keys rather than a union, so a bad
 * value is refused naming its own field (`deliver.telegram.botToken`), not "no union member matched".
 */
export const DeliverTargetSchema = z
  .strictObject({
    telegram: TelegramTargetSchema.optional(),
    webhook: z.strictObject({ url: WebhookUrlSchema }).optional(),
  })
  .refine((target) => (target.telegram === undefined) !== (target.webhook === undefined), "must name exactly one of telegram or webhook");
export type DeliverTarget = z.infer<typeof DeliverTargetSchema>;

/** A target as the API answers it: the bot token's secret part is never sent back, only the bot's id. */
export const DeliverTargetViewSchema = z.object({
  telegram: z.object({ botId: z.string(), chatId: z.union([z.number(), z.string()]) }).optional(),
  webhook: z.object({ url: z.string() }).optional(),
});
export type DeliverTargetView = z.infer<typeof DeliverTargetViewSchema>;

export function viewDeliverTarget(target: DeliverTarget): DeliverTargetView {
  if (target.telegram) return { telegram: { botId: target.telegram.botToken.split(":")[0] ?? "", chatId: target.telegram.chatId } };
  return { webhook: { url: target.webhook?.url ?? "" } };
}
