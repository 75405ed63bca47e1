import express from "express";
import { z } from "zod";
import { sendError } from "@chatfunnel/core";
import { DigestCreateBodySchema, DigestSchema, DigestSendResultSchema, DigestsResponseSchema, toFieldErrors } from "@chatfunnel/schemas";
import { deleteDigest, findDigest } from "@chatfunnel/warehouse";
import { DigestInputError, createDigest, listDigests } from "../digests/manage-digests.js";
import { sendDigest } from "../digests/send-digest.js";
import type { DigestDeliveryConfig } from "../digests/deliver-digest.js";
import type { ApiRoute } from "./api-route.js";
import type { RouteDeps } from "./route-deps.js";

/** What a process that does not pass its config gets: the documented defaults. */
const DEFAULT_DELIVERY_CONFIG: DigestDeliveryConfig = {
  TELEGRAM_API_URL: "https://api.telegram.org",
  TELEGRAM_TIMEOUT_MS: 10_000,
  WEBHOOK_ALLOW_PRIVATE: true,
  WEBHOOK_TIMEOUT_MS: 10_000,
};
const deliveryConfig = (deps: RouteDeps): DigestDeliveryConfig => ({ ...DEFAULT_DELIVERY_CONFIG, ...deps.webhooks, ...deps.telegram });
const DigestIdSchema = z.string().min(1).max(64);

/**
 * Digests: create a daily or weekly digest to a Telegram chat (or a webhook), list them with their last
 * send and next send time, send one now, delete. Writes take the manage key (api-route.ts requiredKeyKind).
 */
export const digestsRoutes: ApiRoute[] = [
  {
    method: "post",
    path: "/api/v1/digests",
    metric: "digests_create",
    body: DigestCreateBodySchema,
    middleware: [express.json({ limit: "16kb" })],
    doc: {
      status: 201,
      summary: "Create a daily or weekly digest: the overview's headline figures with their change, best and worst channel by CPL and a chart, in the project's language",
      description:
        "daily: the last full day in the project's zone, sent at 09:00 local the next morning; weekly: the last ISO week (Monday-Sunday), sent Monday 09:00 local. Each period at most once, also across restarts. deliver is {telegram: {botToken, chatId}} (sendPhoto with the text as caption, or the photo then sendMessage when the text passes 1024 characters) or {webhook: {url}} (a JSON POST with text, figures and the PNG as base64). The bot token is never answered back. filters: channel, botId, campaign, currency, as on every report.",
      response: DigestSchema,
    },
    handle: async ({ deps, req, res, projectId }) => {
      const parsed = DigestCreateBodySchema.safeParse(req.body);
      if (!parsed.success) {
        const details = toFieldErrors(parsed.error);
        return sendError(res, 400, "invalid_parameter", `invalid digest: ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
      }
      try {
        res.status(201).json(await createDigest(deps.storage, projectId, parsed.data, deliveryConfig(deps)));
      } catch (error) {
        if (!(error instanceof DigestInputError)) throw error;
        sendError(res, 400, "invalid_parameter", `invalid digest: '${error.field}': ${error.message}`, [{ path: error.field, message: error.message }]);
      }
      return undefined;
    },
  },
  {
    method: "get",
    path: "/api/v1/digests",
    metric: "digests",
    doc: {
      summary: "The project's digests with their last send (state, period, error) and the next send time",
      description: "lastSend.state: sent, failed (the error says why: Telegram's own description), or claimed (the scheduler took the period and stopped before it recorded the outcome; that period is not sent again).",
      response: DigestsResponseSchema,
    },
    handle: async ({ deps, projectId }) => ({ digests: await listDigests(deps.storage, projectId) }),
  },
  {
    method: "delete",
    path: "/api/v1/digests/{id}",
    metric: "digests_delete",
    doc: { status: 204, summary: "Delete a digest (404 when the project has none with this id)", response: z.null() },
    handle: async ({ deps, req, res, projectId }) => {
      const id = DigestIdSchema.safeParse(req.params.id);
      if (!id.success || !(await deleteDigest(deps.storage, projectId, id.data))) return sendError(res, 404, "not_found", "no such digest in this project");
      res.status(204).end();
      return undefined;
    },
  },
  {
    method: "post",
    path: "/api/v1/digests/{id}/send",
    metric: "digests_send",
    doc: {
      summary: "Send the digest now for its last full period (yesterday, or last Monday-Sunday) and answer what was sent and what Telegram (or the webhook) said",
      description: "A refusal (wrong chat, revoked token, 429) is answered with ok false and the error, and recorded in the log; it does not count as the scheduler's send of that period.",
      response: DigestSendResultSchema,
    },
    handle: async ({ deps, req, res, projectId }) => {
      const id = DigestIdSchema.safeParse(req.params.id);
      const digest = id.success ? await findDigest(deps.storage, projectId, id.data) : undefined;
      if (!digest) return sendError(res, 404, "not_found", "no such digest in this project");
      return sendDigest(deps.storage, deliveryConfig(deps), digest, { trigger: "manual" });
    },
  },
];
