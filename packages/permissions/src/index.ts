export * from "./catalogue.js";
export * from "./effective.js";
export * from "./authorize.js";
