import { Partitioners, type Kafka, type Message, type Producer } from "kafkajs";

/**
 * An idempotent producer whose sends are acknowledged by all in-sync replicas (acks -1), so a
 * resolved send survives the loss of the leader. Retries are bounded (kafkajs' idempotent default
 * is to retry forever): a broker that stays down must become an error the sender can act on, and
 * a resend after an ambiguous failure is harmless because every event carries its own id.
 */
export function createDurableProducer(kafka: Kafka): Producer {
  return kafka.producer({
    // Named explicitly (kafkajs warns otherwise): murmur2 of the key, as the Java client, so a
    // user's events land in the same partition whichever client produced them.
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    // Sequence numbers per partition stay in order only with one request in flight per connection.
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
  });
}

export const ACKS_ALL = -1;

interface PendingSend {
  messages: Message[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface SendQueueOptions {
  /** Upper bound of one produce request; kept well under the topic's max.message.bytes per partition. */
  maxRequestBytes: number;
}

/**
 * Coalesces concurrent sends into one produce request at a time. While a request is in flight the
 * next callers queue up and go together in the following request: large requests without a linger
 * timer, and a single request in flight, which the idempotent producer's sequence numbers need.
 * Each caller's promise settles with the request that carried its messages.
 */
export class SendQueue {
  private queue: PendingSend[] = [];
  private queuedMessages = 0;
  private inFlightMessages = 0;
  private draining: Promise<void> | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly options: SendQueueOptions,
  ) {}

  /** Messages handed over and not yet acknowledged by the broker. */
  get pendingMessages(): number {
    return this.queuedMessages + this.inFlightMessages;
  }

  send(messages: Message[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const bytes = messages.reduce((sum, message) => sum + messageBytes(message), 0);
    const done = new Promise<void>((resolve, reject) => this.queue.push({ messages, bytes, resolve, reject }));
    this.queuedMessages += messages.length;
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
    return done;
  }

  /** Resolves once everything queued so far has been sent (or failed). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.takeGroup();
      const messages = group.flatMap((pending) => pending.messages);
      this.queuedMessages -= messages.length;
      this.inFlightMessages = messages.length;
      try {
        await this.producer.send({ topic: this.topic, acks: ACKS_ALL, messages });
        for (const pending of group) pending.resolve();
      } catch (error) {
        for (const pending of group) pending.reject(error);
      } finally {
        this.inFlightMessages = 0;
      }
    }
  }

  private takeGroup(): PendingSend[] {
    const group: PendingSend[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (group.length > 0 && bytes + next.bytes > this.options.maxRequestBytes) break;
      group.push(this.queue.shift()!);
      bytes += next.bytes;
    }
    return group;
  }
}

function messageBytes(message: Message): number {
  const size = (part: Message["value"] | Message["key"]) => (part == null ? 0 : typeof part === "string" ? part.length : part.byteLength);
  return size(message.key) + size(message.value) + 64;
}
