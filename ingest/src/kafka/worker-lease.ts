import type { Consumer, Kafka } from "kafkajs";
import type { Config } from "@chatfunnel/schemas";
import type { Logger } from "@chatfunnel/core";

export type WorkerLeaseConfig = Pick<Config, "KAFKA_WORKER_TOPIC" | "KAFKA_WORKER_GROUP_ID" | "KAFKA_SESSION_TIMEOUT_MS">;

export interface WorkerLeaseOptions {
  kafka: Kafka;
  config: WorkerLeaseConfig;
  logger: Logger;
  /** This process became the active worker: start the scheduler. */
  onAcquire: () => Promise<void>;
  /** It is no longer (a rebalance began, the consumer stopped or crashed): stop the scheduler. */
  onRelease: () => Promise<void>;
  /** kafkajs gave up on the group for good: the process should end so its supervisor starts a fresh one. */
  onFatal: (error: unknown) => void;
}

export interface WorkerLease {
  /** Joins the group; resolves once the consumer runs (the lease itself may come later, or never for a standby). */
  start(): Promise<void>;
  /** Leaves the group, releasing first, so a standby takes over within one rebalance. */
  stop(): Promise<void>;
  readonly holding: boolean;
}

/**
 * "Exactly one active worker", with the components already there: every worker joins one consumer group
 * on a topic with a single partition, and Kafka's group coordinator assigns that partition to exactly one
 * member. The owner of partition 0 is the active worker; the others are warm standbys. A rebalance (a
 * worker joins, leaves or dies) first revokes from everyone — each releases when kafkajs reports it — and
 * the new owner acquires on its GROUP_JOIN. A worker cut off from the brokers fails its heartbeat (every
 * 3 s, each request bounded by 10 s) and releases well before the coordinator hands the partition on
 * after KAFKA_SESSION_TIMEOUT_MS (30 s); an overlap beyond that could only repeat a delivery, never lose one
 * (deliveries are at least once and carry their id).
 */
export function createWorkerLease(options: WorkerLeaseOptions): WorkerLease {
  const { kafka, config, logger } = options;
  const topic = config.KAFKA_WORKER_TOPIC;
  let holding = false;
  let transitions: Promise<void> = Promise.resolve();
  let consumer: Consumer | undefined;

  // Acquire and release run one after the other, in the order kafkajs reported them.
  const become = (next: boolean, why: string) => {
    transitions = transitions.then(async () => {
      if (holding === next) return;
      holding = next;
      logger.info(next ? "worker lease acquired: this worker is active" : "worker lease released: standing by", { reason: why, topic, group: config.KAFKA_WORKER_GROUP_ID });
      try {
        await (next ? options.onAcquire() : options.onRelease());
      } catch (error) {
        logger.error("worker lease transition failed", { error, active: next });
      }
    });
    return transitions;
  };

  return {
    get holding() {
      return holding;
    },
    async start() {
      await ensureLeaseTopic(kafka, topic);
      const c = kafka.consumer({ groupId: config.KAFKA_WORKER_GROUP_ID, sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS, heartbeatInterval: 3000 });
      consumer = c;
      c.on(c.events.GROUP_JOIN, (event) => {
        const owns = (event.payload.memberAssignment[topic] ?? []).includes(0);
        void become(owns, owns ? "assigned partition 0 of the lease topic" : "another worker owns the lease");
      });
      c.on(c.events.REBALANCING, () => void become(false, "group rebalancing"));
      c.on(c.events.STOP, () => void become(false, "consumer stopped"));
      c.on(c.events.CRASH, (event) => {
        void become(false, "consumer crashed");
        if (!event.payload.restart) options.onFatal(event.payload.error);
      });
      await c.connect();
      await c.subscribe({ topics: [topic], fromBeginning: false });
      // Nothing is ever produced to the lease topic: the assignment alone is the lease.
      await c.run({ eachMessage: async () => {} });
    },
    async stop() {
      await become(false, "shutting down");
      await consumer?.disconnect();
      await transitions;
    },
  };
}

async function ensureLeaseTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) return;
    // One partition on purpose: its single owner in the group is the one active worker.
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: -1 }] });
  } catch (error) {
    if ((error as { type?: string }).type !== "TOPIC_ALREADY_EXISTS") throw error;
  } finally {
    await admin.disconnect();
  }
}
