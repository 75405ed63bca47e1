import type { Express } from "express";
import type { Storage } from "@chatfunnel/core";
import { KeyStore, Readiness, createLogger, createMetrics } from "@chatfunnel/core";
import { createDirectSink, createEventWriter, type BatchWriter } from "@chatfunnel/ingest";
import { type EventRow } from "@chatfunnel/warehouse";
import { createHttpApp } from "@chatfunnel/server";
import { testConfig } from "./engine.js";

export interface TestApp {
  app: Express;
  writer: BatchWriter<EventRow>;
  close(): Promise<void>;
}

/** The embedded default's HTTP app (collector + API) on a given database, driven without a port. */
export function createTestApp(storage: Storage, overrides: Record<string, string> = {}, options: { adminToken?: string } = {}): TestApp {
  const config = testConfig(overrides);
  const logger = createLogger("silent", "test");
  const metrics = createMetrics();
  const readiness = new Readiness();
  readiness.markReady();
  const keys = new KeyStore(storage, 0);
  const writer = createEventWriter(storage, config);
  const app = createHttpApp({
    readiness,
    metrics,
    logger,
    collector: { keys, sink: createDirectSink(writer, config.WRITER_MAX_PENDING_ROWS, config.WRITER_MAX_WAIT_MS), metrics, logger },
    api: { storage, keys, metrics, logger, webhooks: config, telegram: config },
    // /admin/v1 (projects, keys, users) when the test names its token.
    ...(options.adminToken === undefined ? {} : { admin: { storage, adminToken: options.adminToken, logger } }),
    trustProxy: config.TRUST_PROXY,
  });
  return { app, writer, close: () => writer.close() };
}
