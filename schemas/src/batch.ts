import { z } from "zod";
import { MAX_BATCH_EVENTS } from "@chatfunnel/contract";
import { EventSchema } from "./event.js";

export { MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from "@chatfunnel/contract";

/**
 * The envelope the collector parses first. Events stay `unknown` here so one bad event
 * is reported by index instead of failing its valid neighbours.
 */
export const BatchEnvelopeSchema = z.strictObject({
  events: z.array(z.unknown()).min(1, "must hold at least one event").max(MAX_BATCH_EVENTS, `must hold at most ${MAX_BATCH_EVENTS} events`),
});

/** A fully valid batch, as the SDK builds it. */
export const EventBatchSchema = z.strictObject({
  events: z.array(EventSchema).min(1).max(MAX_BATCH_EVENTS),
});
export type EventBatch = z.infer<typeof EventBatchSchema>;

export const FieldErrorSchema = z.object({ path: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldErrorSchema>;

export const IngestResponseSchema = z.object({
  accepted: z.number().int().nonnegative(),
  rejected: z.array(z.object({ index: z.number().int().nonnegative(), errors: z.array(FieldErrorSchema) })),
});
export type IngestResponse = z.infer<typeof IngestResponseSchema>;

/**
 * Turns zod issues into the contract's {path, message} list; paths are dotted (`source.campaign`).
 * An unknown key is reported at its own path so the sender sees exactly which field to fix.
 */
export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    // An empty name shows as "" so the path still points at it.
    const base = issue.path.map((segment) => (segment === "" ? '""' : String(segment)));
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...base, key === "" ? '""' : key].join("."), message: "is not a known field" }));
    }
    // A record key that failed its own schema: say why, not zod's generic "Invalid key in record".
    if (issue.code === "invalid_key") {
      return issue.issues.map((inner) => ({ path: base.join("."), message: `as a name ${inner.message}` }));
    }
    return [{ path: base.join(".") || "(root)", message: issue.message }];
  });
}
