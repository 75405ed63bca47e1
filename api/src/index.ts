export * from "./app.js";
export * from "./http/params.js";
export * from "./http/time-range.js";
export * from "./alerts/alert-scheduler.js";
export * from "./alerts/deliver-alert.js";
export * from "./digests/index.js";
export { telegramRetryPolicy, type TelegramRetryPolicy } from "./notify/telegram-outbox.js";
