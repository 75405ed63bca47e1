import { Router } from "express";
import {
  BatchEnvelopeSchema,
  EventSchema,
  MAX_BATCH_BYTES,
  batchJsonSchema,
  eventJsonSchema,
  toFieldErrors,
  type Event,
  type IngestResponse,
} from "@chatfunnel/schemas";
import type { KeyStore, Logger, Metrics } from "@chatfunnel/core";
import { sendError, jsonBody, requireKey } from "@chatfunnel/core";
import type { EventSink } from "./event-sink.js";

export interface CollectorDeps {
  keys: KeyStore;
  sink: EventSink;
  metrics: Metrics;
  logger: Logger;
}

const RETRY_AFTER_S = "1";

/** POST /v1/events per the ingest contract in DESIGN.md. */
export function createCollectorRouter(deps: CollectorDeps): Router {
  const router = Router();
  // The event contract as JSON Schema, public, for bots not written in TypeScript.
  const eventSchema = eventJsonSchema();
  const batchSchema = batchJsonSchema();
  router.get("/v1/schema/event.json", (_req, res) => {
    res.json(eventSchema);
  });
  router.get("/v1/schema/batch.json", (_req, res) => {
    res.json(batchSchema);
  });
  router.post(
    "/v1/events",
    requireKey(deps.keys, "write"),
    ...jsonBody(MAX_BATCH_BYTES),
    async (req, res) => {
      const projectId = res.locals.projectId as string;
      const envelope = BatchEnvelopeSchema.safeParse(req.body);
      if (!envelope.success) {
        return sendError(res, 400, "bad_request", 'body must be {"events": [...]} with 1 to 1000 events', toFieldErrors(envelope.error));
      }
      const accepted: Event[] = [];
      /** The request index of each accepted event: the sink speaks of positions in `accepted`. */
      const acceptedAt: number[] = [];
      const rejected: IngestResponse["rejected"] = [];
      envelope.data.events.forEach((candidate, index) => {
        const parsed = EventSchema.safeParse(candidate);
        if (parsed.success) {
          accepted.push(parsed.data);
          acceptedAt.push(index);
        } else rejected.push({ index, errors: toFieldErrors(parsed.error) });
      });
      let stored = accepted.length;
      if (accepted.length > 0) {
        if (deps.sink.overloaded()) {
          res.setHeader("Retry-After", RETRY_AFTER_S);
          return sendError(res, 429, "rate_limited", "ingest is behind; retry after the Retry-After delay");
        }
        try {
          // Events the engine itself refused: reported like invalid ones, their neighbours stored.
          const outcome = await deps.sink.send(projectId, accepted, new Date());
          for (const refused of outcome.rejected) rejected.push({ index: acceptedAt[refused.index]!, errors: refused.errors });
          if (outcome.rejected.length > 0) {
            rejected.sort((a, b) => a.index - b.index);
            stored -= outcome.rejected.length;
            deps.logger.warn("storage refused events", { projectId, events: outcome.rejected.length, errors: outcome.rejected[0]!.errors });
          }
        } catch (error) {
          deps.logger.error("could not store events", { error, projectId, events: accepted.length });
          res.setHeader("Retry-After", RETRY_AFTER_S);
          return sendError(res, 503, "unavailable", "events could not be stored right now; retry the same batch (ids make it safe)");
        }
      }
      deps.metrics.eventsAccepted.inc(stored);
      deps.metrics.eventsRejected.inc(rejected.length);
      const body: IngestResponse = { accepted: stored, rejected };
      res.json(body);
    },
  );
  return router;
}
