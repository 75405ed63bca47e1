/**
 * The contract as plain data and functions, with no dependencies: the zod schemas (schemas/) are built on
 * it, and the SDK and the browser import it directly, so neither ships zod and neither keeps a copy.
 */
export * from "./channels.js";
export * from "./events.js";
export * from "./batch.js";
export * from "./range.js";
export * from "./funnel.js";
export * from "./links.js";
export * from "./retention.js";
