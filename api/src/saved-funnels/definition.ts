import { FunnelQuerySchema, type SavedFunnelDefinition } from "@chatfunnel/schemas";
import { InvalidParameterError } from "../http/params.js";
import { funnelDefinition, type FunnelDefinition } from "../metrics/funnel/definition.js";

/**
 * A saved definition as the funnel metric takes it: parsed by GET /api/v1/funnel's own schema and checked by its
 * own cross-parameter rules (funnelDefinition), so a saved funnel answers exactly what its URL would. A refusal
 * names its field under `definition.` (the body's name for it).
 */
export function savedFunnelDefinition(definition: SavedFunnelDefinition): FunnelDefinition {
  // SavedFunnelDefinitionSchema already ran the same parse; a range is needed by the schema, not by the definition.
  const query = FunnelQuerySchema.parse({ ...definition, from: "2000-01-01", to: "2000-01-02" });
  try {
    return funnelDefinition(query);
  } catch (error) {
    if (!(error instanceof InvalidParameterError)) throw error;
    const details = error.details.map((detail) => ({ path: `definition.${detail.path}`, message: detail.message }));
    throw new InvalidParameterError(`invalid saved funnel: ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
  }
}
