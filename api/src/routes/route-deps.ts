import type { Logger, Metrics, Storage } from "@chatfunnel/core";

export interface RouteDeps {
  storage: Storage;
  metrics: Metrics;
  logger: Logger;
}
