import type { Config } from "@chatfunnel/schemas";
import type { Storage, Logger, Metrics } from "@chatfunnel/core";
import type { EventRow } from "@chatfunnel/warehouse";
import { blamedRow, classifyInsertError } from "@chatfunnel/core";
import { tombstonesFor } from "@chatfunnel/warehouse";
import { linkCatalogFor } from "../links/link-catalog.js";
import { BatchWriter, type FlushInfo } from "./batch-writer.js";

/** The one writer of the events table, used by the embedded collector and the Kafka consumer alike. */
export function createEventWriter(
  storage: Storage,
  config: Pick<Config, "BATCH_MAX_ROWS" | "BATCH_MAX_BYTES" | "BATCH_MAX_WAIT_MS">,
  hooks: { onFlush?: (info: FlushInfo) => void; onError?: (error: unknown, attempt: number) => void } = {},
): BatchWriter<EventRow> {
  return new BatchWriter<EventRow>({
    // Tracked-link attribution happens here, the one place both the embedded path and the Kafka consumer write through,
    // and so does leaving out a deleted person's events sent before their deletion (warehouse/src/people.ts).
    insert: async (rows) => storage.insertRows("events", await tombstonesFor(storage).dropDeleted(await linkCatalogFor(storage).attribute(rows))),
    maxRows: config.BATCH_MAX_ROWS,
    maxBytes: config.BATCH_MAX_BYTES,
    maxWaitMs: config.BATCH_MAX_WAIT_MS,
    // An insert refused for its rows is split until the refused rows are alone (their callers hear
    // which, the rest is stored); the dependency's errors are retried.
    blamesRows: (error) => classifyInsertError(error) === "rows_rejected",
    blamedRow,
    // Rows are small and alike; counting fields keeps sizing cheap on the hot path.
    sizeOf: (row) => 300 + row.user_id.length + row.source_payload.length + JSON.stringify(row.properties).length,
    ...hooks,
  });
}

/** The events writer with its flushes, failures and backlog reported to /metrics and the log. */
export function createInstrumentedEventWriter(
  storage: Storage,
  config: Pick<Config, "BATCH_MAX_ROWS" | "BATCH_MAX_BYTES" | "BATCH_MAX_WAIT_MS">,
  metrics: Metrics,
  logger: Logger,
): { writer: BatchWriter<EventRow>; stopGauge: () => void } {
  const writer = createEventWriter(storage, config, {
    onFlush: (info) => {
      metrics.rowsWritten.inc(info.rows - info.rejected);
      metrics.flushDuration.observe(info.durationMs);
    },
    onError: (error, attempt) => {
      metrics.insertErrors.inc();
      logger.warn("insert failed", { error, attempt });
    },
  });
  const gauge = setInterval(() => metrics.writerPendingRows.set(writer.pendingRows), 1000);
  gauge.unref();
  return { writer, stopGauge: () => clearInterval(gauge) };
}
