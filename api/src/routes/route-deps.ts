import type { Logger, Metrics, Storage } from "@chatfunnel/core";
import type { WebhookManageConfig } from "@chatfunnel/ingest";
import type { TelegramClientConfig } from "../notify/telegram-bot-api.js";

export interface RouteDeps {
  storage: Storage;
  metrics: Metrics;
  logger: Logger;
  /** Webhook sending policy (WEBHOOK_ALLOW_PRIVATE, WEBHOOK_TIMEOUT_MS); the defaults when left out. */
  webhooks?: WebhookManageConfig;
  /** Where digests (and alerts) call the Bot API (TELEGRAM_API_URL, TELEGRAM_TIMEOUT_MS); the defaults when left out. */
  telegram?: TelegramClientConfig;
}
