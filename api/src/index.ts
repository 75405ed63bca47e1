export * from "./app.js";
export * from "./server/http-app.js";
export * from "./server/embedded.js";
export * from "./http/params.js";
export * from "./http/time-range.js";
export * from "./server/api-process.js";
