export * from "./event.js";
export * from "./batch.js";
export * from "./spend.js";
export * from "./queue.js";
export * from "./errors.js";
export * from "./json-schema.js";
export * from "./config.js";
export * from "./api/index.js";
