import type { Event, FieldError } from "@chatfunnel/schemas";
import type { BatchWriter } from "../writer/batch-writer.js";
import { toEventRows, type EventRow } from "@chatfunnel/warehouse";
import { blamedColumn, insertErrorReason } from "@chatfunnel/core";

/** Events of one send() the engine refused for themselves, by index in `events`; the rest are stored. */
export interface SinkOutcome {
  rejected: Array<{ index: number; errors: FieldError[] }>;
}

/** Where the collector hands validated events; `send` resolves only once they are durable. */
export interface EventSink {
  /** Throws only for transient storage or broker failures (the sender hears 503 and resends). */
  send(projectId: string, events: Event[], receivedAt: Date): Promise<SinkOutcome>;
  /** True when taking more now would only grow a backlog: the collector answers 429. */
  overloaded(): boolean;
}

/**
 * The embedded default: straight into the batching writer, answered after the insert. Overloaded
 * once the backlog holds maxPendingRows, or a row handed over now would wait more than maxWaitMs:
 * then the sender is told to come back instead of every sender's answer growing late.
 */
export function createDirectSink(writer: BatchWriter<EventRow>, maxPendingRows: number, maxWaitMs = Number.POSITIVE_INFINITY): EventSink {
  return {
    send: async (projectId, events, receivedAt) => {
      const outcome = await writer.write(toEventRows(projectId, events, receivedAt));
      return { rejected: outcome.rejected.map(({ index, error }) => ({ index, errors: [storageRefusal(error)] })) };
    },
    overloaded: () => writer.pendingRows >= maxPendingRows || writer.backlogWaitMs() > maxWaitMs,
  };
}

/** The engine's refusal of one event, at the field whose column it was reading when it could tell. */
export function storageRefusal(error: unknown): FieldError {
  const column = blamedColumn(error);
  return { path: column ? columnField(column) : "(event)", message: `the storage engine refused it: ${insertErrorReason(error)}` };
}

/** events columns back to the contract's field names: user_id → userId, source_campaign → source.campaign. */
function columnField(column: string): string {
  if (column === "event_id") return "id";
  if (column === "ts") return "timestamp";
  if (column === "project_id" || column === "received_at") return "(event)";
  if (column.startsWith("source_")) return `source.${column.slice("source_".length)}`;
  return column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
