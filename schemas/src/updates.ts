import { z } from "zod";
import { FieldErrorSchema } from "./batch.js";

/** POST /v1/updates/{channel}: the messengers whose raw updates the server maps with the SDK's adapters. */
export { UPDATE_CHANNELS } from "@chatfunnel/contract";

/**
 * 200 answer. `accepted` counts stored events (one update can make several or none); `skipped` and
 * `rejected` name updates by their position in the body (0 for a single update).
 */
export const UpdatesResponseSchema = z.object({
  accepted: z.number().int().nonnegative(),
  skipped: z.array(z.object({ index: z.number().int().nonnegative(), reason: z.string() })),
  rejected: z.array(z.object({ index: z.number().int().nonnegative(), errors: z.array(FieldErrorSchema) })),
});
export type UpdatesResponse = z.infer<typeof UpdatesResponseSchema>;
