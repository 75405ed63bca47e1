// The simulator's public surface: the traffic model, the generator, the run against a collector, and the demo.
export { generateSpend, generateTraffic, type SimulatedEvent, type TrafficOptions } from "./generate.js";
export { Prng } from "./prng.js";
export { CHANNEL_MODELS } from "./model.js";
export * from "./simulate.js";
export * from "./demo.js";
