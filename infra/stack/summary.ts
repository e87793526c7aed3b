import { existsSync, readFileSync } from "node:fs";

interface JestResults {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numRuntimeErrorTestSuites: number;
}

/**
 * The closing line CI reads: every test of every suite, plus each static check (type-check, schema check,
 * lint, format) as one more, as `N passed, N failed`. A suite that could not run counts as a failure.
 */
export function summarise(
  resultsFile: string,
  checks: ReadonlyArray<{ passed: boolean }>,
): { line: string; failed: number } {
  let passed = checks.filter((c) => c.passed).length;
  let failed = checks.length - passed;
  if (existsSync(resultsFile)) {
    const results = JSON.parse(readFileSync(resultsFile, "utf8")) as JestResults;
    passed += results.numPassedTests;
    failed += results.numFailedTests + results.numRuntimeErrorTestSuites;
  } else {
    failed += 1; // jest did not even report
  }
  return { line: `${passed} passed, ${failed} failed`, failed };
}
