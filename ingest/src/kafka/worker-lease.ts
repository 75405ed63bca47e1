import { AssignerProtocol, type Consumer, type GroupMember, type Kafka, type PartitionAssigner } from "kafkajs";
import type { Config } from "@chatfunnel/schemas";
import type { Logger } from "@chatfunnel/core";

export type WorkerLeaseConfig = Pick<Config, "KAFKA_WORKER_TOPIC" | "KAFKA_WORKER_GROUP_ID" | "KAFKA_SESSION_TIMEOUT_MS">;

export interface WorkerLeaseOptions {
  kafka: Kafka;
  config: WorkerLeaseConfig;
  logger: Logger;
  /** This process became the active worker: start the scheduler. */
  onAcquire: () => Promise<void>;
  /** It is no longer (it is about to rejoin the group, lost touch with it, stopped or crashed): stop the scheduler. */
  onRelease: () => Promise<void>;
  /** kafkajs gave up on the group for good: the process should end so its supervisor starts a fresh one. */
  onFatal: (error: unknown) => void;
}

export interface WorkerLease {
  /** Joins the group; resolves once the consumer runs (the lease itself may come later, or never for a standby). */
  start(): Promise<void>;
  /** Leaves the group, releasing first, so a standby takes over within one rebalance. */
  stop(): Promise<void>;
  /** True from the moment this worker acquires until the moment it decides to release (before onRelease runs). */
  readonly holding: boolean;
}

/**
 * How often a lease member talks to the coordinator. kafkajs heartbeats only between fetches, and a member
 * without partitions sleeps maxWaitTime between them: at its default (5 s) a standby learns of a rebalance
 * 5–10 s late. The lease topic carries no messages, so polling it every second costs nothing.
 */
const LEASE_POLL_MS = 1000;

/**
 * "Exactly one active worker", with the components already there: every worker joins one consumer group
 * on a topic with a single partition, and Kafka's group coordinator assigns that partition to exactly one
 * member per generation. The owner of partition 0 is the active worker; the others are warm standbys.
 *
 * Ordering is what makes it exact. A new generation's owner learns of its assignment only after every live
 * member of the old one has sent its JoinGroup, so each member releases synchronously just before it sends
 * one — in kafkajs's join, where it asks the partition assigner for its protocol (`leaseAssigner`), which
 * covers every path into a rejoin (a rebalance, stale metadata, an unknown member id, a restart after a
 * crash), not only those that emit REBALANCING. A member that stops leaves the group after releasing. A member
 * cut off from the coordinator cannot rejoin, so it releases on its own once its last confirmed heartbeat is
 * nearly a session timeout old (`membership deadline`), before the coordinator can expire it and hand the
 * partition on. What onRelease still finishes (requests in flight) may overlap the next owner's start: a
 * delivery could then be sent twice (at least once, with its deliveryId), never lost.
 */
export function createWorkerLease(options: WorkerLeaseOptions): WorkerLease {
  const { kafka, config, logger } = options;
  const topic = config.KAFKA_WORKER_TOPIC;
  const sessionMs = config.KAFKA_SESSION_TIMEOUT_MS;
  // Room for timers firing late and for the clock: the member gives up this long before the coordinator would.
  const marginMs = Math.min(2000, Math.floor(sessionMs / 4));
  /** Partition 0 is ours in the current generation (from GROUP_JOIN until the next join, stop or crash). */
  let assigned = false;
  /** Partition 0 was ours in the last generation we joined (kept through REBALANCING: the sticky claim at the next join). */
  let ownedLastGeneration = false;
  /** Until when the coordinator certainly still counts this member (see confirm()). */
  let deadlineMs = Number.NEGATIVE_INFINITY;
  /** When the last confirmation arrived: the next heartbeat was sent after it, so the broker saw it later. */
  let lastConfirmationMs = Number.NEGATIVE_INFINITY;
  let deadlineTimer: NodeJS.Timeout | undefined;
  let holding = false;
  let stopped = false;
  let transitions: Promise<void> = Promise.resolve();
  let consumer: Consumer | undefined;

  /**
   * Decides synchronously (so `holding` never lags what kafkajs is about to send) and runs the scheduler's
   * start and stop one after the other, in the order decided.
   */
  const settle = (why: string) => {
    const next = !stopped && assigned && Date.now() < deadlineMs;
    if (next === holding) return;
    holding = next;
    logger.info(next ? "worker lease acquired: this worker is active" : "worker lease released: standing by", { reason: why, topic, group: config.KAFKA_WORKER_GROUP_ID });
    transitions = transitions.then(async () => {
      try {
        await (next ? options.onAcquire() : options.onRelease());
      } catch (error) {
        logger.error("worker lease transition failed", { error, active: next });
      }
    });
  };

  /**
   * The coordinator confirmed our membership (a heartbeat answered, a join completed). The request it answered
   * was sent no earlier than `sentNoEarlierThanMs`, and the coordinator restarted our session when it got it, so
   * it keeps us at least until then + the session timeout.
   */
  const confirm = (sentNoEarlierThanMs: number, why: string) => {
    const now = Date.now();
    deadlineMs = Math.max(deadlineMs, sentNoEarlierThanMs + sessionMs - marginMs);
    lastConfirmationMs = now;
    clearTimeout(deadlineTimer);
    deadlineTimer = setTimeout(() => settle("no confirmed heartbeat for nearly a session timeout"), Math.max(0, deadlineMs - now));
    deadlineTimer.unref();
    settle(why);
  };

  const release = (why: string) => {
    assigned = false;
    settle(why);
  };

  return {
    get holding() {
      return holding;
    },
    async start() {
      stopped = false;
      await ensureLeaseTopic(kafka, topic);
      const c = kafka.consumer({
        groupId: config.KAFKA_WORKER_GROUP_ID,
        sessionTimeout: sessionMs,
        heartbeatInterval: LEASE_POLL_MS,
        maxWaitTimeInMs: LEASE_POLL_MS,
        partitionAssigners: [
          leaseAssigner(() => {
            const held = ownedLastGeneration;
            ownedLastGeneration = false;
            release("rejoining the worker group");
            return held;
          }),
        ],
      });
      consumer = c;
      c.on(c.events.GROUP_JOIN, (event) => {
        assigned = (event.payload.memberAssignment[topic] ?? []).includes(0);
        ownedLastGeneration = assigned;
        // The SyncGroup that completed the join was sent after the join began.
        confirm(Date.now() - event.payload.duration, assigned ? "assigned partition 0 of the lease topic" : "another worker owns the lease");
      });
      // A heartbeat is sent only after the previous confirmation arrived: that instant bounds when the coordinator got it.
      c.on(c.events.HEARTBEAT, () => confirm(lastConfirmationMs, "heartbeat confirmed"));
      c.on(c.events.REBALANCING, () => release("group rebalancing"));
      c.on(c.events.STOP, () => release("consumer stopped"));
      c.on(c.events.CRASH, (event) => {
        release("consumer crashed");
        if (!event.payload.restart) options.onFatal(event.payload.error);
      });
      await c.connect();
      await c.subscribe({ topics: [topic], fromBeginning: false });
      // Nothing is ever produced to the lease topic: the assignment alone is the lease.
      await c.run({ eachMessage: async () => {} });
    },
    async stop() {
      stopped = true;
      release("shutting down");
      clearTimeout(deadlineTimer);
      // After the release: the standby's new generation can start only once this member has left.
      await consumer?.disconnect();
      await transitions;
    },
  };
}

const HELD = Buffer.from("held");

/**
 * The lease group's partition assigner. Sticky: the member that held the lease until this rebalance keeps it
 * (it says so in its join metadata), so a standby joining or leaving costs the owner a pause, not a handover;
 * otherwise the member with the lowest id gets it. It also calls `beforeJoin` synchronously each time the member
 * is about to send a JoinGroup (kafkajs asks for the protocol while building that request): the fence.
 * `beforeJoin` answers whether this member held the lease until then.
 */
export function leaseAssigner(beforeJoin: () => boolean): PartitionAssigner {
  return ({ cluster }) => ({
    name: "ChatfunnelLeaseAssigner",
    version: 0,
    async assign({ members, topics }) {
      const claims = (member: GroupMember) => AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.userData?.equals(HELD) === true;
      const byId = (a: GroupMember, b: GroupMember) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);
      const order = [...members.filter(claims).sort(byId), ...members.filter((member) => !claims(member)).sort(byId)];
      const assignment = new Map<string, Record<string, number[]>>(order.map((member) => [member.memberId, {}]));
      let next = 0;
      for (const topic of topics) {
        for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
          const owner = assignment.get(order[next++ % order.length]!.memberId)!;
          (owner[topic] ??= []).push(partitionId);
        }
      }
      return [...assignment].map(([memberId, partitions]) => ({ memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: partitions, userData: Buffer.alloc(0) }) }));
    },
    protocol({ topics }) {
      const held = beforeJoin();
      return { name: "ChatfunnelLeaseAssigner", metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: held ? HELD : Buffer.alloc(0) }) };
    },
  });
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
