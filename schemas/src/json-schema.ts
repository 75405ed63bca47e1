import { z } from "zod";
import { EventSchema } from "./event.js";
import { EventBatchSchema } from "./batch.js";

/** JSON Schema of one event and of a batch, for bots not written in TypeScript. */
export function eventJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(EventSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

export function batchJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(EventBatchSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}
