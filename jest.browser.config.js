import base from "./jest.config.js";

/**
 * `npm run test:browser`: the suites in test/browser, which drive Chromium (Debian's, no browser
 * download) with playwright-core against the harness's stack. Not part of `npm test`.
 */
export default {
  ...base,
  testMatch: ["<rootDir>/test/browser/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  testTimeout: 120_000,
};
