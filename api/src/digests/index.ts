export * from "./deliver-digest.js";
export * from "./digest-chart.js";
export * from "./digest-content.js";
export * from "./digest-scheduler.js";
export * from "./digest-text.js";
export * from "./manage-digests.js";
export * from "./periods.js";
export * from "./send-digest.js";
