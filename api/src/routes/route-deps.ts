import type { Logger, Metrics, Storage } from "@chatfunnel/ingest";

export interface RouteDeps {
  storage: Storage;
  metrics: Metrics;
  logger: Logger;
}
