import { z } from "zod";
import { FunnelQuerySchema } from "./funnel.js";

/**
 * Saved funnels (issue 13 item 3): a name and a definition per project, which the dashboard lists and
 * alerts refer to as `funnel:<id>`. The definition is the funnel's own parameters of GET /api/v1/funnel in
 * their wire form (what the URL carries), without the range and the common filters: those belong to whoever
 * reads the funnel (the page's filters, an alert's period and filters).
 */

export const MAX_SAVED_FUNNELS_PER_PROJECT = 200;
export const MAX_SAVED_FUNNEL_NAME_LENGTH = 200;
/** One step's text (the grammar or a JSON step object written out) at most this long. */
export const MAX_SAVED_FUNNEL_STEP_LENGTH = 4096;

/** The parameters a saved funnel keeps, all as GET /api/v1/funnel takes them. */
export const SAVED_FUNNEL_PARAMETERS = ["steps", "window", "mode", "exclude", "breakdown", "breakdownAttribution", "breakdownLimit"] as const;

/** A step as text, or a JSON step object (`{"type":"order","filters":{"plan":"pro"}}`), kept as its JSON text. */
const StepWireSchema = z
  .union([z.string(), z.record(z.string(), z.unknown())], { error: "must be a step in the steps grammar or a JSON step object" })
  .transform((step) => (typeof step === "string" ? step : JSON.stringify(step)))
  .refine((text) => text.length <= MAX_SAVED_FUNNEL_STEP_LENGTH, `must be at most ${MAX_SAVED_FUNNEL_STEP_LENGTH} characters`);

const listOf = (item: z.ZodType<string>) => z.union([item, z.array(item)]).transform((value) => (Array.isArray(value) ? value : [value]));

/**
 * The definition, validated by the very schema GET /api/v1/funnel parses its query with (FunnelQuerySchema), so a
 * saved funnel always opens: a bad step is a 400 naming `definition.steps.<i>`. The checks across parameters
 * (an attribution past the last step, an exclusion range) are the endpoint's too: api/src/saved-funnels/definition.ts.
 */
export const SavedFunnelDefinitionSchema = z
  .strictObject({
    steps: z.array(StepWireSchema),
    window: z.string().optional(),
    mode: z.string().optional(),
    exclude: listOf(z.string()).optional(),
    breakdown: listOf(z.string()).optional(),
    breakdownAttribution: z.string().optional(),
    breakdownLimit: z.number().int().optional(),
  })
  .superRefine((definition, ctx) => {
    // The range is the reader's; any valid one stands in for it here.
    const parsed = FunnelQuerySchema.safeParse({ ...definition, from: "2000-01-01", to: "2000-01-02" });
    if (parsed.success) return;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  });
export type SavedFunnelDefinition = z.infer<typeof SavedFunnelDefinitionSchema>;

export const SavedFunnelBodySchema = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(MAX_SAVED_FUNNEL_NAME_LENGTH),
  definition: SavedFunnelDefinitionSchema,
});
export type SavedFunnelBody = z.infer<typeof SavedFunnelBodySchema>;

/** The definition as answered: the stored wire form (steps as text). */
export const SavedFunnelDefinitionViewSchema = z.object({
  steps: z.array(z.string()),
  window: z.string().optional(),
  mode: z.string().optional(),
  exclude: z.array(z.string()).optional(),
  breakdown: z.array(z.string()).optional(),
  breakdownAttribution: z.string().optional(),
  breakdownLimit: z.number().optional(),
});

export const SavedFunnelSchema = z.object({
  id: z.string(),
  name: z.string(),
  definition: SavedFunnelDefinitionViewSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SavedFunnel = z.infer<typeof SavedFunnelSchema>;

export const SavedFunnelsResponseSchema = z.object({ funnels: z.array(SavedFunnelSchema) });
export type SavedFunnelsResponse = z.infer<typeof SavedFunnelsResponseSchema>;
