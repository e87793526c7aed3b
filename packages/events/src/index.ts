export * from "./envelope.js";
export * from "./registry/index.js";
export * from "./outbox.js";
export * from "./relay.js";
export * from "./consumer.js";
export * from "./kafka.js";
export * from "./replay.js";
export * from "./parking.js";
