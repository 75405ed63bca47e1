import { z } from "zod";
import { MAX_ID_LENGTH } from "@chatfunnel/contract";
import { TimeZoneSchema } from "./common.js";

/** POST /admin/v1/projects. */
export const AdminProjectCreateBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(MAX_ID_LENGTH),
  timezone: TimeZoneSchema.optional(),
});

export const AdminProjectCreatedSchema = z.object({ id: z.string(), writeKey: z.string(), readKey: z.string(), manageKey: z.string() });

/** A key as the admin API lists it: its id and kind, never the key. */
export const AdminKeySchema = z.object({ id: z.string(), kind: z.enum(["write", "read", "manage"]), createdAt: z.string() });

export const AdminProjectsResponseSchema = z.object({
  projects: z.array(z.object({ id: z.string(), name: z.string(), timezone: z.string(), keys: z.array(AdminKeySchema) })),
});

/** POST /admin/v1/projects/{id}/keys. */
export const AdminKeyCreateBodySchema = z.strictObject({ kind: z.enum(["write", "read", "manage"]) });
export const AdminKeyCreatedSchema = z.object({ id: z.string(), key: z.string() });
export type AdminProjectsResponse = z.infer<typeof AdminProjectsResponseSchema>;
