export * from "./common.js";
export * from "./overview.js";
