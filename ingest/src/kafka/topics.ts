import type { Kafka } from "kafkajs";
import type { Config } from "@chatfunnel/schemas";

/**
 * Record batches up to this size are accepted by the topics we create. The broker default (1 MB)
 * is smaller than one full ingest request (1000 events, 1 MiB of JSON plus the envelope) that all
 * goes to one partition when it belongs to one user.
 */
export const TOPIC_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * Creates the events topic (KAFKA_TOPIC_PARTITIONS partitions) and its dead-letter topic when they
 * are missing. Existing topics are left as they are: partition counts are an operator's decision.
 * The replication factor is the broker's default (-1), so a 3-node cluster gets 3 replicas.
 */
export async function ensureTopics(
  kafka: Kafka,
  config: Pick<Config, "KAFKA_TOPIC" | "KAFKA_DLQ_TOPIC" | "KAFKA_TOPIC_PARTITIONS">,
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [
      { topic: config.KAFKA_TOPIC, numPartitions: config.KAFKA_TOPIC_PARTITIONS },
      // Poison is rare: one partition keeps the DLQ easy to inspect and replay in order.
      { topic: config.KAFKA_DLQ_TOPIC, numPartitions: 1 },
    ].filter(({ topic }) => !existing.has(topic));
    if (wanted.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: wanted.map((topic) => ({
        ...topic,
        replicationFactor: -1,
        configEntries: [{ name: "max.message.bytes", value: String(TOPIC_MAX_MESSAGE_BYTES) }],
      })),
    });
    return wanted.map(({ topic }) => topic);
  } catch (error) {
    // Two processes starting together race to create the same topic; the loser is fine.
    if ((error as { type?: string }).type === "TOPIC_ALREADY_EXISTS") return [];
    throw error;
  } finally {
    await admin.disconnect();
  }
}
