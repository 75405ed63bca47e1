import express from "express";
import { z } from "zod";
import { sendError } from "@chatfunnel/core";
import { LINKS_DEFAULT_RANGE_MS, LinkCreateBodySchema, LinkSchema, LinksQuerySchema, LinksResponseSchema, toFieldErrors } from "@chatfunnel/schemas";
import { createLink, deleteLink, linksReport } from "../metrics/links.js";
import { recentRoute, type ApiRoute } from "./api-route.js";

/** Tracked links: create one for an ad, list them with their funnel and CPL, delete one. */
export const linksRoutes: ApiRoute[] = [
  {
    method: "post",
    path: "/api/v1/links",
    metric: "links_create",
    body: LinkCreateBodySchema,
    middleware: [express.json({ limit: "16kb" })],
    doc: {
      status: 201,
      summary: "Create a tracked link for an ad: t.me/<bot>?start=<code>, vk.me/<group>?ref=<code> or wa.me/<number>?text=<text with [ref:<code>]>",
      description:
        "Events whose source.payload is the link's code (Telegram start parameter, VK ref, the code in the WhatsApp prefilled text) or its adId (click-to-WhatsApp referral source_id) take the link's source, medium, campaign, content and term, unless they carry a campaign of their own. Attribution happens when events are stored: a link does not re-attribute events stored before it.",
      response: LinkSchema,
    },
    handle: async ({ deps, req, res, projectId }) => {
      const parsed = LinkCreateBodySchema.safeParse(req.body);
      if (!parsed.success) {
        const details = toFieldErrors(parsed.error);
        return sendError(res, 400, "invalid_parameter", `invalid link: ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
      }
      const link = await createLink(deps.storage, projectId, parsed.data);
      res.status(201).json(link);
      return undefined;
    },
  },
  recentRoute({
    path: "/api/v1/links",
    metric: "links",
    query: LinksQuerySchema,
    defaultRangeMs: LINKS_DEFAULT_RANGE_MS,
    doc: {
      summary: "Every link with users started through it, their leads, orders and revenue, the spend of its campaign on its channel, CPL and CPO",
      description: "Without from/to: the last 30 days. Spend is that of spend rows with the link's campaign and channel, so links sharing a campaign show the same spend.",
      response: LinksResponseSchema,
    },
    handle: ({ deps, filters }) => linksReport(deps.storage, filters),
  }),
  {
    method: "delete",
    path: "/api/v1/links/{id}",
    metric: "links_delete",
    doc: { status: 204, summary: "Delete a link (404 when the project has none with this id); events it attributed keep their campaign", response: z.null() },
    handle: async ({ deps, req, res, projectId }) => {
      const id = z.string().min(1).max(64).safeParse(req.params.id);
      if (!id.success || !(await deleteLink(deps.storage, projectId, id.data))) return sendError(res, 404, "not_found", "no such link in this project");
      res.status(204).end();
      return undefined;
    },
  },
];
