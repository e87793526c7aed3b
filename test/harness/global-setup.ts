import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { startStack, type RunningStack } from "@support/infra/stack";
import { STACK_FILE, type TestStack } from "./stack.js";

declare global {
  // Shared between jest's global setup and teardown, which run in one context.
  var __TEST_STACK__: RunningStack | undefined;
}

/** The one test harness: starts the whole stack once per test run, on its own ports and databases. */
export default async function globalSetup(): Promise<void> {
  const root = new URL("../../", import.meta.url).pathname;
  const kafka = { port: 19192, controllerPort: 19193, dataDir: `${root}.local/kafka-test` };
  // A clean broker per run: no offsets or messages left over from an earlier run.
  rmSync(kafka.dataDir, { recursive: true, force: true });
  const startedAt = Date.now();
  const stack = await startStack({
    basePort: 4100,
    databaseSuffix: "_test",
    freshDatabases: true,
    logDir: `${root}.local/test-logs`,
    kafka,
    log: (message) => process.stdout.write(`[harness] ${message}\n`),
  });
  process.stdout.write(`[harness] stack ready in ${((Date.now() - startedAt) / 1000).toFixed(1)}s\n`);
  globalThis.__TEST_STACK__ = stack;
  const info: TestStack = {
    gatewayUrl: stack.gatewayUrl,
    serviceUrls: stack.serviceUrls,
    kafkaBrokers: stack.kafkaBrokers,
    kafka: stack.kafkaBroker ? kafka : null,
    postgresServerUrl: stack.postgres.serverUrl,
    databaseSuffix: "_test",
    actorContextSecret: stack.actorContextSecret,
  };
  mkdirSync(new URL(".", STACK_FILE), { recursive: true });
  writeFileSync(STACK_FILE, JSON.stringify(info, null, 2));
}
