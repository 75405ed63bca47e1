import { z } from "zod";
import { ChannelSchema, type ExplorerEvent } from "@chatfunnel/schemas";

/**
 * A stored event as the event contract shows it plus receivedAt: the events explorer answers it and
 * a webhook delivers it, so the row-to-event mapping lives here, once.
 */
export const STORED_EVENT_COLUMNS = `toString(event_id) AS id, type, channel, bot_id, user_id, session_id, broadcast_id, ts,
       source_source, source_medium, source_campaign, source_content, source_term, source_payload,
       toFloat64(revenue) AS revenue, currency, properties, received_at`;

const num = z.coerce.number();
export const StoredEventRowSchema = z.object({
  id: z.string(),
  type: z.string(),
  channel: ChannelSchema,
  bot_id: z.string(),
  user_id: z.string(),
  session_id: z.string(),
  broadcast_id: z.string(),
  ts: z.string(),
  source_source: z.string(),
  source_medium: z.string(),
  source_campaign: z.string(),
  source_content: z.string(),
  source_term: z.string(),
  source_payload: z.string(),
  revenue: num,
  currency: z.string(),
  properties: z.record(z.string(), z.string()),
  received_at: z.string(),
});
export type StoredEventRow = z.infer<typeof StoredEventRowSchema>;

/** ClickHouse's time text (ISO with or without Z, or "YYYY-MM-DD hh:mm:ss.sss" in UTC) as ISO UTC. */
export const isoUtc = (text: string): string => new Date(text.endsWith("Z") ? text : `${text.replace(" ", "T")}Z`).toISOString();

/** Fields stored empty are absent; revenue only on an event that carried a currency. */
export function toStoredEvent(row: StoredEventRow): ExplorerEvent {
  const event: ExplorerEvent = {
    id: row.id,
    type: row.type,
    channel: row.channel,
    botId: row.bot_id,
    userId: row.user_id,
    timestamp: isoUtc(row.ts),
    receivedAt: isoUtc(row.received_at),
  };
  if (row.session_id !== "") event.sessionId = row.session_id;
  if (row.broadcast_id !== "") event.broadcastId = row.broadcast_id;
  const source: NonNullable<ExplorerEvent["source"]> = {};
  if (row.source_source !== "") source.source = row.source_source;
  if (row.source_medium !== "") source.medium = row.source_medium;
  if (row.source_campaign !== "") source.campaign = row.source_campaign;
  if (row.source_content !== "") source.content = row.source_content;
  if (row.source_term !== "") source.term = row.source_term;
  if (row.source_payload !== "") source.payload = row.source_payload;
  if (Object.keys(source).length > 0) event.source = source;
  // Revenue is stored as 0 when absent; an event with a currency is one that carried money.
  if (row.currency !== "") {
    event.revenue = row.revenue;
    event.currency = row.currency;
  }
  if (Object.keys(row.properties).length > 0) event.properties = row.properties;
  return event;
}
