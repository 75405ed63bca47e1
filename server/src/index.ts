export * from "./api-process.js";
export * from "./embedded.js";
export * from "./http-app.js";
export * from "./collector-process.js";
export * from "./consumer-process.js";
export * from "./worker-process.js";
