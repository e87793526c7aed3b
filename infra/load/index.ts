/** The mixed load, its ledger check and the chaos run, shared by the e2e tests and the bench commands. */
export * from "./mixed-load.js";
export * from "./ledger-check.js";
export * from "./chaos.js";
