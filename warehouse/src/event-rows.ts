import type { Event, QueuedEvent, SpendRow } from "@chatfunnel/schemas";
import { toClickHouseTime } from "@chatfunnel/core";

/** One row of the events table, as JSONEachRow sends it. */
export interface EventRow {
  project_id: string;
  event_id: string;
  type: string;
  channel: string;
  bot_id: string;
  user_id: string;
  session_id: string;
  broadcast_id: string;
  ts: string;
  source_source: string;
  source_medium: string;
  source_campaign: string;
  source_content: string;
  source_term: string;
  source_payload: string;
  revenue: number;
  currency: string;
  properties: Record<string, string>;
  received_at: string;
}

/** What toISOString() prints, which is what the SDK and most bots send. */
const ISO_UTC_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * An event's validated timestamp as ClickHouse text. The schema has already rejected impossible
 * dates, so toISOString()-shaped text only needs its T and Z dropped: two slices instead of a
 * Date round trip, once per event on the ingest hot path.
 */
function eventTime(timestamp: string): string {
  return ISO_UTC_MILLIS.test(timestamp) ? `${timestamp.slice(0, 10)} ${timestamp.slice(11, 23)}` : toClickHouseTime(timestamp);
}

/**
 * Properties live in a Map(String, String) so funnel filters stay plain comparisons:
 * strings as they are, numbers, booleans and null as their JSON text.
 */
export function propertyText(value: string | number | boolean | null): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function toEventRow(projectId: string, event: Event, receivedAt: string | number | Date): EventRow {
  return buildEventRow(projectId, event, toClickHouseTime(receivedAt));
}

/** The rows of one request: its receive time is formatted once, not per event (the hot path). */
export function toEventRows(projectId: string, events: Event[], receivedAt: Date): EventRow[] {
  const received = toClickHouseTime(receivedAt);
  return events.map((event) => buildEventRow(projectId, event, received));
}

function buildEventRow(projectId: string, event: Event, receivedAt: string): EventRow {
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.properties ?? {})) properties[key] = propertyText(value);
  return {
    project_id: projectId,
    event_id: event.id.toLowerCase(),
    type: event.type,
    channel: event.channel,
    bot_id: event.botId,
    user_id: event.userId,
    session_id: event.sessionId ?? "",
    broadcast_id: event.broadcastId ?? "",
    ts: eventTime(event.timestamp),
    source_source: event.source?.source ?? "",
    source_medium: event.source?.medium ?? "",
    source_campaign: event.source?.campaign ?? "",
    source_content: event.source?.content ?? "",
    source_term: event.source?.term ?? "",
    source_payload: event.source?.payload ?? "",
    revenue: event.revenue ?? 0,
    currency: event.currency ?? "",
    properties,
    received_at: receivedAt,
  };
}

export function queuedToEventRow(message: QueuedEvent): EventRow {
  return toEventRow(message.projectId, message.event, message.receivedAt);
}

export interface SpendDbRow {
  project_id: string;
  date: string;
  channel: string;
  campaign: string;
  amount: number;
  currency: string;
  imported_at: string;
}

export function toSpendRow(projectId: string, row: SpendRow, importedAt: Date): SpendDbRow {
  return {
    project_id: projectId,
    date: row.date,
    channel: row.channel,
    campaign: row.campaign ?? "",
    amount: row.amount,
    currency: row.currency,
    imported_at: toClickHouseTime(importedAt),
  };
}
