import { existsSync, readFileSync } from "node:fs";

interface JestResults {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numRuntimeErrorTestSuites: number;
}

/**
 * The closing line CI reads: every test of every suite, plus the type-check as one more
 * check, as `N passed, N failed`. A suite that could not run counts as a failure.
 */
export function summarise(resultsFile: string, typecheckPassed: boolean): { line: string; failed: number } {
  let passed = typecheckPassed ? 1 : 0;
  let failed = typecheckPassed ? 0 : 1;
  if (existsSync(resultsFile)) {
    const results = JSON.parse(readFileSync(resultsFile, "utf8")) as JestResults;
    passed += results.numPassedTests;
    failed += results.numFailedTests + results.numRuntimeErrorTestSuites;
  } else {
    failed += 1; // jest did not even report
  }
  return { line: `${passed} passed, ${failed} failed`, failed };
}
