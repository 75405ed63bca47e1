import type { Batch, Consumer, Kafka, KafkaMessage, Producer } from "kafkajs";
import type { Config } from "@chatfunnel/schemas";
import type { BatchWriter } from "../writer/batch-writer.js";
import { queuedToEventRow, type EventRow } from "@chatfunnel/warehouse";
import type { Logger, Metrics } from "@chatfunnel/core";
import { createDurableProducer } from "../kafka/producer.js";
import { decodeMessage } from "./decode-message.js";
import { sendDeadLetters, type DeadLetter } from "./dead-letter.js";

export type ConsumerConfig = Pick<
  Config,
  "KAFKA_TOPIC" | "KAFKA_DLQ_TOPIC" | "KAFKA_GROUP_ID" | "KAFKA_TOPIC_PARTITIONS" | "KAFKA_SESSION_TIMEOUT_MS"
>;

export interface EventConsumerDeps {
  kafka: Kafka;
  /** The shared batching writer: rows of concurrently consumed partitions go out in one insert. */
  writer: BatchWriter<EventRow>;
  config: ConsumerConfig;
  metrics: Metrics;
  logger: Logger;
  /** kafkajs gave up on the group (no restart): the process should exit so it gets restarted. */
  onFatal?: (error: unknown) => void;
  /** After each batch: messages of that partition still behind its high watermark. */
  onLag?: (partition: number, lag: number) => void;
}

export interface EventConsumer {
  /** Joins the group and starts consuming; resolves once the consumer runs. */
  start(): Promise<void>;
  /** Stops fetching, lets the in-flight batches finish and commit, then leaves the group. */
  stop(): Promise<void>;
  /** True between a successful start and stop, and false after kafkajs gave up on the group. */
  readonly running: boolean;
}

interface Decoded {
  topic: string;
  partition: number;
  rows: EventRow[];
  /** The message of each row, index for index, to dead-letter a row ClickHouse rejects. */
  sources: KafkaMessage[];
  letters: DeadLetter[];
}

const HEARTBEAT_EVERY_MS = 1000;

/**
 * Kafka → ClickHouse. Per message an explicit outcome: a valid event becomes a row; invalid JSON
 * or an invalid event goes to the dead-letter topic with the reason in its headers; a failed
 * insert is retried by not committing. Offsets are committed only after the rows are stored and
 * the dead letters acknowledged, so a crash at any point redelivers instead of losing; redelivered
 * rows collapse by event id (ReplacingMergeTree + FINAL).
 */
export function createEventConsumer(deps: EventConsumerDeps): EventConsumer {
  const { kafka, writer, config, metrics, logger } = deps;
  const consumer: Consumer = kafka.consumer({
    groupId: config.KAFKA_GROUP_ID,
    sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
    heartbeatInterval: Math.min(3000, Math.floor(config.KAFKA_SESSION_TIMEOUT_MS / 3)),
    // Larger fetches mean larger inserts; the broker still returns a whole oversized batch. When the
    // consumer has caught up, the broker holds a fetch until 512 KiB (~1,500 events) are there or
    // 500 ms passed: fewer, larger inserts and commits for at most half a second of added latency.
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
    minBytes: 512 * 1024,
    maxWaitTimeInMs: 500,
    allowAutoTopicCreation: false,
  });
  const dlqProducer: Producer = createDurableProducer(kafka);
  let running = false;
  consumer.on(consumer.events.CRASH, (event) => {
    const { error, restart } = event.payload;
    logger.warn("consumer crashed", { error, restart });
    if (!restart) {
      running = false;
      deps.onFatal?.(error);
    }
  });

  consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
    deps.onLag?.(event.payload.partition, Number(event.payload.offsetLag));
  });

  const handleBatch = async (batch: Batch, heartbeat: () => Promise<void>) => {
    const decoded = decodeBatch(batch);
    await whileHeartbeating(heartbeat, async () => {
      await storeRows(decoded);
      await sendDeadLetters(dlqProducer, config.KAFKA_DLQ_TOPIC, decoded.letters);
    });
    for (const letter of decoded.letters) metrics.deadLettered.inc({ reason: letter.reason });
    if (decoded.letters.length > 0) {
      logger.warn("messages dead-lettered", {
        topic: batch.topic,
        partition: batch.partition,
        count: decoded.letters.length,
        reasons: [...new Set(decoded.letters.map((letter) => letter.reason))],
      });
    }
  };

  const decodeBatch = (batch: Batch): Decoded => {
    const out: Decoded = { topic: batch.topic, partition: batch.partition, rows: [], sources: [], letters: [] };
    for (const message of batch.messages) {
      const decoded = decodeMessage(message.value);
      if (decoded.ok) {
        out.rows.push(queuedToEventRow(decoded.queued));
        out.sources.push(message);
      } else {
        out.letters.push({ message, topic: batch.topic, partition: batch.partition, reason: decoded.reason, error: decoded.error });
      }
    }
    return out;
  };

  /**
   * Through the shared writer, which isolates rows the engine refuses for themselves (splitting the
   * insert, storing their neighbours, whichever partition they came from): those are dead-lettered
   * with the engine's reason, so a poison row never stalls its partition. A dependency failure
   * throws after the writer's retries; kafkajs then fetches the batch again, nothing is committed.
   */
  const storeRows = async (decoded: Decoded) => {
    const outcome = await writer.write(decoded.rows);
    for (const { index, error } of outcome.rejected) {
      const message = decoded.sources[index]!;
      decoded.letters.push({
        message,
        topic: decoded.topic,
        partition: decoded.partition,
        reason: "insert_rejected",
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };

  return {
    get running() {
      return running;
    },
    async start() {
      await dlqProducer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: [config.KAFKA_TOPIC], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        // One worker per partition this process may own; their rows meet in the shared writer.
        partitionsConsumedConcurrently: config.KAFKA_TOPIC_PARTITIONS,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
          if (batch.isEmpty()) return;
          await handleBatch(batch, heartbeat);
          resolveOffset(batch.lastOffset());
          const next = (BigInt(batch.lastOffset()) + 1n).toString();
          await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
        },
      });
      running = true;
    },
    async stop() {
      running = false;
      // kafkajs' stop waits for the batches being processed, whose last step is their commit.
      await consumer.stop();
      await consumer.disconnect();
      await dlqProducer.disconnect();
    },
  };
}

/** A long insert must not cost the group membership: keep heartbeating while it runs. */
async function whileHeartbeating<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => void heartbeat().catch(() => {}), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
