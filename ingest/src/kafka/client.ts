import { Kafka, logLevel, type LogEntry, type logCreator } from "kafkajs";
import type { Config } from "@chatfunnel/schemas";
import type { Logger } from "@chatfunnel/core";

export class KafkaNotConfiguredError extends Error {
  override name = "KafkaNotConfiguredError";
}

/** The brokers of a distributed process; a process that needs Kafka refuses to start without them. */
export function requireBrokers(config: Pick<Config, "KAFKA_BROKERS">): string[] {
  if (!config.KAFKA_BROKERS) throw new KafkaNotConfiguredError("KAFKA_BROKERS is not set (e.g. KAFKA_BROKERS=127.0.0.1:9092)");
  return config.KAFKA_BROKERS;
}

/** One kafkajs client per process, logging through our JSON logger instead of its own console output. */
export function createKafka(config: Pick<Config, "KAFKA_BROKERS" | "KAFKA_CLIENT_ID">, logger: Logger): Kafka {
  return new Kafka({
    clientId: config.KAFKA_CLIENT_ID,
    brokers: requireBrokers(config),
    connectionTimeout: 3000,
    // A broker that accepts connections but stops answering must not hold an ingest request for minutes.
    requestTimeout: 10_000,
    // Bounded so a dead broker surfaces as an error (503 / consumer restart) instead of hanging forever.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(logger),
  });
}

function kafkaLogCreator(logger: Logger): logCreator {
  return () => (entry: LogEntry) => {
    const { message, ...fields } = entry.log;
    const line = { namespace: entry.namespace, ...fields };
    switch (entry.level) {
      case logLevel.ERROR:
        // kafkajs reports recoverable protocol hiccups (coordinator loading, rebalances) as errors;
        // they are retried internally, so a warning is the honest level for us.
        return logger.warn(`kafka: ${message}`, line);
      case logLevel.WARN:
        return logger.warn(`kafka: ${message}`, line);
      case logLevel.INFO:
        return logger.debug(`kafka: ${message}`, line);
      default:
        return logger.debug(`kafka: ${message}`, line);
    }
  };
}
