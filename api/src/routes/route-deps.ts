import type { Logger, Metrics, Storage } from "@chatfunnel/core";
import type { WebhookManageConfig } from "@chatfunnel/ingest";

export interface RouteDeps {
  storage: Storage;
  metrics: Metrics;
  logger: Logger;
  /** Webhook sending policy (WEBHOOK_ALLOW_PRIVATE, WEBHOOK_TIMEOUT_MS); the defaults when left out. */
  webhooks?: WebhookManageConfig;
}
