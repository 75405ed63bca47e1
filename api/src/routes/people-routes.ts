import { bearerToken, hashKey, sendError } from "@chatfunnel/core";
import { PersonDeletionResponseSchema, PersonDeletionsQuerySchema, PersonDeletionsResponseSchema, PersonPathSchema, toFieldErrors } from "@chatfunnel/schemas";
import { z } from "zod";
import { deletePersonAnswer, personDeletionsAnswer } from "../metrics/people.js";
import { InvalidParameterError, parseQuery } from "../http/params.js";
import type { ApiRoute } from "./api-route.js";
import { projectSettingsRoutes } from "./project-routes.js";

/**
 * Who did it, for the audit log: the first 12 hex digits of the SHA-256 of the key the request carried (the
 * key table stores the same hash), so the log names a key without holding anything that works as one.
 */
export const actorOf = (authorization: string | undefined): string => hashKey(bearerToken(authorization) ?? "").slice(0, 12);

/**
 * People deletion and its audit log, and the project settings: the editor actions of DESIGN.md "Projects,
 * people, access" (with the GET of the audit log beside them). Until `manage` keys exist they take the read
 * key like spend import; these routes are declared here, apart from the reports, so they can move behind the
 * manage key as one list (editorRoutes).
 */
export const peopleRoutes: ApiRoute[] = [
  {
    method: "delete",
    path: "/api/v1/people/{channel}/{userId}",
    metric: "people_delete",
    doc: {
      summary: "Delete a person (channel, userId): their events and every rollup row of theirs, from every answer at once; an audit row records it",
      description:
        "200 once the rows are gone, with the rows removed per table (physical rows: an unmerged resend counts). 404 when the project holds no row of this person (nothing is recorded). Events of the person timestamped at or before the deletion that arrive later (an SDK retry, a Kafka redelivery) are not stored; later ones (the person writing to the bot again) are. An editor action: takes the read key until manage keys exist.",
      response: PersonDeletionResponseSchema,
    },
    handle: async ({ deps, req, res, projectId }) => {
      const parsed = PersonPathSchema.safeParse(req.params);
      if (!parsed.success) {
        const details = toFieldErrors(parsed.error);
        throw new InvalidParameterError(`invalid parameter ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
      }
      const answer = await deletePersonAnswer(deps.storage, projectId, parsed.data, actorOf(req.headers.authorization));
      if (!answer) return sendError(res, 404, "not_found", `no events of user '${parsed.data.userId}' on ${parsed.data.channel} in this project`);
      return answer;
    },
  },
  {
    // Without it, a form that left the user id empty (`DELETE …/people/telegram/`) would hear "no such endpoint".
    method: "delete",
    path: "/api/v1/people/{channel}",
    metric: "people_delete",
    doc: { summary: "A person needs a user id: always 400 naming userId", response: z.null() },
    handle: async () => {
      const message = "is required: DELETE /api/v1/people/{channel}/{userId}";
      throw new InvalidParameterError(`invalid parameter 'userId': ${message}`, [{ path: "userId", message }]);
    },
  },
  {
    method: "get",
    path: "/api/v1/people/deletions",
    metric: "people_deletions",
    query: PersonDeletionsQuerySchema,
    doc: {
      summary: "The audit log of people deletions, newest first: when, who (key hash prefix), which person, rows removed per table",
      response: PersonDeletionsResponseSchema,
    },
    handle: async ({ deps, req, projectId }) => personDeletionsAnswer(deps.storage, projectId, parseQuery(PersonDeletionsQuerySchema, req.query).limit),
  },
];

/** Every editor action this module and project-routes declare, for the router (app.ts) to mount as one. */
export const editorRoutes: ApiRoute[] = [...peopleRoutes, ...projectSettingsRoutes];
