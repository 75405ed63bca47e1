import { z } from "zod";
import { MAX_ID_LENGTH } from "@chatfunnel/contract";
import { ChannelSchema, textSchema } from "../event.js";

/**
 * People deletion (DELETE /api/v1/people/{channel}/{userId}, an editor action) and its audit log. A person
 * is the event contract's user: (channel, userId), each as the events carry it.
 */
export const PersonPathSchema = z.object({
  channel: ChannelSchema,
  userId: textSchema(MAX_ID_LENGTH, 1),
});
export type PersonPath = z.infer<typeof PersonPathSchema>;

/** Rows removed per table: the events and each rollup holding the person (physical rows, resends included). */
export const DeletedRowsSchema = z.record(z.string(), z.number().int().nonnegative()).meta({
  description: "Rows removed per table (events, user_slots, id_sessions, user_outcomes, user_first_touch, conversation_slots)",
});

export const PersonDeletionResponseSchema = z.object({
  channel: ChannelSchema,
  userId: z.string(),
  deletedRows: DeletedRowsSchema,
});
export type PersonDeletionResponse = z.infer<typeof PersonDeletionResponseSchema>;

export const MAX_DELETIONS_LIMIT = 1000;

// Like every query schema a plain object: `format` (the generic CSV, api-route.ts) and other report parameters pass.
export const PersonDeletionsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_DELETIONS_LIMIT).default(100),
});

export const PersonDeletionSchema = z.object({
  deletedAt: z.string().meta({ description: "ISO instant (UTC) of the deletion" }),
  actor: z.string().meta({ description: "Who deleted: the first 12 hex digits of the SHA-256 of the key used" }),
  channel: z.string(),
  userId: z.string(),
  deletedRows: DeletedRowsSchema,
});
export type PersonDeletion = z.infer<typeof PersonDeletionSchema>;

export const PersonDeletionsResponseSchema = z.object({ deletions: z.array(PersonDeletionSchema) });
export type PersonDeletionsResponse = z.infer<typeof PersonDeletionsResponseSchema>;
