import { createHash } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { telegramUpdateToEvents, vkUpdateToEvents, whatsappWebhookToEvents, type AdapterResult, type TrackInput } from "@chatfunnel/sdk";
import { EventSchema, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, toFieldErrors, type Event, type UpdatesResponse } from "@chatfunnel/schemas";
import { sendError, requireKey, jsonBody } from "@chatfunnel/core";
import type { CollectorDeps } from "./router.js";

const RETRY_AFTER_S = "1";

const ADAPTERS = {
  telegram: (update: unknown, botId: string | undefined) => telegramUpdateToEvents(update, { botId }),
  whatsapp: (body: unknown, botId: string | undefined) => whatsappWebhookToEvents(body, botId === undefined ? {} : { botId }),
  vk: (body: unknown, botId: string | undefined) => vkUpdateToEvents(body, botId === undefined ? {} : { botId }),
} satisfies Record<string, (body: unknown, botId: string | undefined) => AdapterResult>;
type UpdateChannel = keyof typeof ADAPTERS;
const UPDATE_CHANNELS = Object.keys(ADAPTERS) as UpdateChannel[];

const BotIdSchema = z.string().min(1, "must be a non-empty string").max(128, "must be at most 128 characters");

/**
 * POST /v1/updates/{channel}: a bot in any language forwards what the messenger sent it, untouched,
 * and the server maps it with the SDK's own adapters (DESIGN.md "Raw messenger updates"). Same key,
 * size limit, durability and 429 as /v1/events: the events go through the same sink.
 */
export function createUpdatesRouter(deps: CollectorDeps): Router {
  const router = Router();
  router.post(
    "/v1/updates/:channel",
    requireKey(deps.keys, "write"),
    ...jsonBody(MAX_BATCH_BYTES),
    async (req, res) => {
      const projectId = res.locals.projectId as string;
      const channel = req.params.channel as string;
      if (!isUpdateChannel(channel)) {
        return sendError(res, 404, "not_found", `no updates endpoint for '${channel}'; use one of ${UPDATE_CHANNELS.join(", ")}`);
      }
      const botIdParam = req.query.botId;
      let botId: string | undefined;
      if (botIdParam !== undefined || channel === "telegram") {
        const parsed = BotIdSchema.safeParse(botIdParam);
        if (!parsed.success) {
          const why = botIdParam === undefined ? "is required for telegram (Telegram updates do not name the bot)" : parsed.error.issues[0]?.message ?? "is invalid";
          return sendError(res, 400, "invalid_parameter", `invalid parameter 'botId': ${why}`, [{ path: "botId", message: why }]);
        }
        botId = parsed.data;
      }

      const updates: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
      if (updates.length === 0 || updates.length > MAX_BATCH_EVENTS) {
        return sendError(res, 400, "bad_request", `body must be one ${channel} update or an array of 1 to ${MAX_BATCH_EVENTS} of them`);
      }
      const mapped = mapUpdates(channel, updates, botId, new Date());
      if (mapped.failures.length === updates.length) {
        // Nothing in the body is this channel's shape: the sender pointed the wrong bot or path here.
        const first = mapped.failures[0]!;
        const message = updates.length === 1 ? `body is not a ${channel} update: ${first.error}` : `no element of the body is a ${channel} update; element ${first.index}: ${first.error}`;
        return sendError(res, 400, "bad_request", message, mapped.failures.map(({ index, error }) => ({ path: `[${index}]`, message: error })));
      }

      const rejected: UpdatesResponse["rejected"] = mapped.failures.map(({ index, error }) => ({ index, errors: [{ path: "(root)", message: error }] }));
      rejected.push(...mapped.invalid);
      let stored = mapped.events.length;
      if (mapped.events.length > 0) {
        if (deps.sink.overloaded()) {
          res.setHeader("Retry-After", RETRY_AFTER_S);
          return sendError(res, 429, "rate_limited", "ingest is behind; retry after the Retry-After delay");
        }
        try {
          const outcome = await deps.sink.send(projectId, mapped.events, mapped.receivedAt);
          for (const refusal of outcome.rejected) {
            rejected.push({ index: mapped.updateOf[refusal.index] ?? 0, errors: refusal.errors });
            stored -= 1;
          }
        } catch (error) {
          deps.logger.error("could not store events", { error, projectId, events: mapped.events.length });
          res.setHeader("Retry-After", RETRY_AFTER_S);
          return sendError(res, 503, "unavailable", "events could not be stored right now; forward the same updates again (ids make it safe)");
        }
      }
      rejected.sort((a, b) => a.index - b.index);
      deps.metrics.eventsAccepted.inc(stored);
      deps.metrics.eventsRejected.inc(rejected.length);
      const body: UpdatesResponse = { accepted: stored, skipped: mapped.skipped, rejected };
      res.json(body);
    },
  );
  return router;
}

function isUpdateChannel(value: string): value is UpdateChannel {
  return (UPDATE_CHANNELS as string[]).includes(value);
}

interface MappedUpdates {
  events: Event[];
  /** For each event, the position of the update it came from: what the sender's answer refers to. */
  updateOf: number[];
  skipped: UpdatesResponse["skipped"];
  invalid: UpdatesResponse["rejected"];
  failures: Array<{ index: number; error: string }>;
  receivedAt: Date;
}

/** Maps each update with the channel's adapter and validates the events as /v1/events would. */
export function mapUpdates(channel: UpdateChannel, updates: unknown[], botId: string | undefined, receivedAt: Date): MappedUpdates {
  const out: MappedUpdates = { events: [], updateOf: [], skipped: [], invalid: [], failures: [], receivedAt };
  updates.forEach((update, index) => {
    const result = ADAPTERS[channel](update, botId);
    if (!result.ok) {
      out.failures.push({ index, error: result.error });
      return;
    }
    for (const reason of result.skipped) out.skipped.push({ index, reason });
    if (result.events.length === 0 && result.skipped.length === 0) out.skipped.push({ index, reason: "carries nothing the analytics count" });
    result.events.forEach((input, ordinal) => {
      const parsed = EventSchema.safeParse(toEvent(channel, input, update, ordinal, receivedAt));
      if (parsed.success) {
        out.events.push(parsed.data);
        out.updateOf.push(index);
      } else {
        out.invalid.push({ index, errors: toFieldErrors(parsed.error) });
      }
    });
  });
  return out;
}

/**
 * An adapter event as the event contract has it. Adapters give ids derived from the update's own
 * identity; an update without one (rare: old VK payloads lack event_id) gets an id from its bytes,
 * so forwarding it again still counts once. Without a messenger time, the receive time stands in.
 */
function toEvent(channel: UpdateChannel, input: TrackInput, update: unknown, ordinal: number, receivedAt: Date): unknown {
  const timestamp = input.timestamp instanceof Date ? input.timestamp.toISOString() : (input.timestamp ?? receivedAt.toISOString());
  return { ...input, channel: input.channel ?? channel, id: input.id ?? contentId(channel, input.botId ?? "", update, ordinal), timestamp };
}

function contentId(channel: string, botId: string, update: unknown, ordinal: number): string {
  const hex = createHash("sha256").update(`${channel}\n${botId}\n${ordinal}\n${JSON.stringify(update)}`).digest("hex");
  // Shaped as an RFC 4122 UUID (version 8, custom) so the event contract accepts it.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
