import type { Event } from "@chatfunnel/schemas";
import type { BatchWriter } from "../writer/batch-writer.js";
import { toEventRows, type EventRow } from "../storage/event-rows.js";

/** Where the collector hands validated events; `send` resolves only once they are durable. */
export interface EventSink {
  send(projectId: string, events: Event[], receivedAt: Date): Promise<void>;
  /** True when taking more now would only grow a backlog: the collector answers 429. */
  overloaded(): boolean;
}

/** The embedded default: straight into the batching writer, answered after the insert. */
export function createDirectSink(writer: BatchWriter<EventRow>, maxPendingRows: number): EventSink {
  return {
    send: (projectId, events, receivedAt) => writer.write(toEventRows(projectId, events, receivedAt)),
    overloaded: () => writer.pendingRows >= maxPendingRows,
  };
}
