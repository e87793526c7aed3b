export * from "./catalogue.js";
export * from "./effective.js";
