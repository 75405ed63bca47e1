/** The funnel limits the builder and the drop-off export keep to: the API's own, from contract/ (no zod in the bundle). */
export { DEFAULT_FUNNEL_WINDOW, MAX_DROPOFF_LIMIT, MAX_FUNNEL_STEPS, MAX_FUNNEL_WINDOW_SECONDS, MAX_STEP_FILTERS, MIN_FUNNEL_STEPS } from "@chatfunnel/contract";
