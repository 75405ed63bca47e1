import type { Response } from "express";
import { ExportEventsQuerySchema, ExportedEventSchema, EXPORT_CSV_COLUMNS } from "@chatfunnel/schemas";
import { CSV_CONTENT_TYPE } from "../http/csv.js";
import { exportEvents } from "../metrics/export-events.js";
import { parseMetricQuery, type ApiRoute } from "./api-route.js";

const NDJSON_CONTENT_TYPE = "application/x-ndjson; charset=utf-8";

/** Resolves when the response takes more bytes, or when the client has gone. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** GET /api/v1/export/events: every raw event of a range, streamed (api/src/metrics/export-events.ts). */
export const exportRoutes: ApiRoute[] = [
  {
    method: "get",
    path: "/api/v1/export/events",
    metric: "export_events",
    query: ExportEventsQuerySchema,
    doc: {
      summary: "Every stored event of the range, oldest first, streamed as NDJSON or CSV: the events explorer's shape without a page limit",
      description:
        "Ordered by timestamp, then event id; a resent event once (the explorer's rule). Each NDJSON line is one event in the event contract's shape plus receivedAt " +
        "(fields stored empty left out, properties as stored text). `format=csv`: the header " +
        `${EXPORT_CSV_COLUMNS.join(",")}, one event per row, properties as one cell of JSON text, RFC 4180 quoting and the formula guard of every CSV. ` +
        "The answer is streamed as the engine sorts and reads, so its size has no limit and no query time limit applies; closing the connection cancels the query. " +
        "An error before the first byte is a JSON error; one after it cuts the transfer short (no final chunk), so a truncated file never looks complete.",
      mediaType: "application/x-ndjson",
      response: ExportedEventSchema,
      responseMediaTypes: ["text/csv"],
    },
    handle: async ({ deps, req, res, projectId }) => {
      const { query, filters } = await parseMetricQuery(deps, req, projectId, ExportEventsQuerySchema);
      const abort = new AbortController();
      const cancel = () => abort.abort();
      // "close" also comes after a complete answer, when there is nothing left to cancel.
      res.on("close", cancel);
      const chunks = exportEvents(deps.storage, filters, query.format, abort.signal);
      try {
        // Headers wait for the first bytes: until the engine has sorted, a failure is still a JSON error answer.
        let next = await chunks.next();
        res
          .status(200)
          .type(query.format === "csv" ? CSV_CONTENT_TYPE : NDJSON_CONTENT_TYPE)
          .setHeader("Content-Disposition", `attachment; filename=events.${query.format}`);
        while (!next.done && !res.destroyed) {
          if (!res.write(next.value)) await drained(res);
          if (res.destroyed) break;
          next = await chunks.next();
        }
        if (!res.destroyed) res.end();
      } catch (error) {
        if (abort.signal.aborted || res.destroyed) return undefined;
        if (!res.headersSent) throw error;
        deps.logger.error("event export failed mid-stream", { error });
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      } finally {
        res.off("close", cancel);
        // Breaking off runs the stream's own cleanup: the query is cancelled and its session closed.
        await chunks.return(undefined);
      }
      return undefined;
    },
  },
];
