import { z } from "zod";
import { CommonQuerySchema } from "./common.js";
import { ExplorerEventSchema } from "./events.js";

export const EXPORT_FORMATS = ["ndjson", "csv"] as const;

/** GET /api/v1/export/events: the common filters over a required range, and the format. */
export const ExportEventsQuerySchema = CommonQuerySchema.extend({
  format: z
    .enum(EXPORT_FORMATS)
    .default("ndjson")
    .meta({ description: "`ndjson` (default): one event per line as JSON; `csv`: one event per row under the header EXPORT_CSV_COLUMNS names" }),
});
export type ExportEventsQuery = z.infer<typeof ExportEventsQuerySchema>;

/** One exported event: the explorer's shape (the event contract plus receivedAt). */
export const ExportedEventSchema = ExplorerEventSchema;
export type ExportedEvent = z.infer<typeof ExportedEventSchema>;

/**
 * The CSV export's columns: the event contract flattened like every report's CSV (dotted `source.*`), except
 * `properties`, whose keys differ per event and are not known before the stream ends: one cell of JSON text.
 */
export const EXPORT_CSV_COLUMNS = [
  "id",
  "type",
  "channel",
  "botId",
  "userId",
  "sessionId",
  "broadcastId",
  "timestamp",
  "source.source",
  "source.medium",
  "source.campaign",
  "source.content",
  "source.term",
  "source.payload",
  "revenue",
  "currency",
  "properties",
  "receivedAt",
] as const;
