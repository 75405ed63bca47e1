import { QueuedEventSchema, type QueuedEvent } from "@chatfunnel/schemas";

export type DecodeFailure = "empty_message" | "invalid_json" | "invalid_event";

export type Decoded = { ok: true; queued: QueuedEvent } | { ok: false; reason: DecodeFailure; error: string };

/** A topic is an edge too: every message is parsed and validated again before it becomes a row. */
export function decodeMessage(value: Buffer | null): Decoded {
  if (value === null || value.length === 0) return { ok: false, reason: "empty_message", error: "message has no value" };
  let json: unknown;
  try {
    json = JSON.parse(value.toString("utf8"));
  } catch (error) {
    return { ok: false, reason: "invalid_json", error: (error as Error).message };
  }
  const parsed = QueuedEventSchema.safeParse(json);
  if (!parsed.success) {
    const error = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
    return { ok: false, reason: "invalid_event", error };
  }
  return { ok: true, queued: parsed.data };
}
