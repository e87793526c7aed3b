// The sequencer jest would use (longest suites first, from the last run's durations), with the
// suites that must have the stack to themselves last: test/harness/suite-lock.ts.
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { createRequire } from "node:module";

const fromJest = createRequire(createRequire(import.meta.url).resolve("jest"));
const fromCore = createRequire(fromJest.resolve("@jest/core"));
const Sequencer = fromCore("@jest/test-sequencer").default;
const EXCLUSIVE = new Set(JSON.parse(readFileSync(new URL("exclusive-suites.json", import.meta.url), "utf8")).suites);

// A renamed or moved suite must not silently lose its exclusivity.
for (const suite of EXCLUSIVE) {
  if (!existsSync(new URL(`../../${suite}`, import.meta.url)))
    throw new Error(`test/harness/exclusive-suites.json lists ${suite}, which does not exist`);
}

export default class ExclusiveLastSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const exclusive = (test) => EXCLUSIVE.has(relative(test.context.config.rootDir, test.path));
    return [...sorted.filter((test) => !exclusive(test)), ...sorted.filter(exclusive)];
  }
}
