/** One jest run over every package; the harness starts the stack once for all suites. */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "es6" } },
    ],
  },
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  testMatch: ["<rootDir>/{infra,packages,services,gateway,test}/**/*.test.ts"],
  // test/browser drives Chromium: `npm run test:browser` only (jest.browser.config.js); CI has no browser.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/browser/"],
  // Local state: Kafka data, logs, and bench:graph's worktrees of other commits (whole checkouts).
  modulePathIgnorePatterns: ["<rootDir>/.local/"],
  globalSetup: "<rootDir>/test/harness/global-setup.mjs",
  globalTeardown: "<rootDir>/test/harness/global-teardown.mjs",
  // Two suites at a time; those that need the stack to themselves last, alone (suite-lock.ts).
  setupFilesAfterEnv: ["<rootDir>/test/harness/suite-lock.ts"],
  testSequencer: "<rootDir>/test/harness/sequencer.mjs",
  testTimeout: 60_000,
};
