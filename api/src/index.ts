export * from "./app.js";
export * from "./http/params.js";
export * from "./http/time-range.js";
export * from "./digests/index.js";
