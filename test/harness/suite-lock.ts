import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { afterAll, beforeAll, expect } from "@jest/globals";
import pg from "pg";
import { testStack } from "./stack.js";

/**
 * Suites run two at a time against the one harness stack, except those that must have it to
 * themselves (exclusive-suites.json, which also says why; test/harness/sequencer.mjs puts them
 * last). Those take an exclusive PostgreSQL advisory lock, every other suite a shared one;
 * PostgreSQL queues a shared request behind a waiting exclusive one, so an exclusive suite waits
 * only for the suites already running. The lock lives in a session of its own and goes with it.
 */
const EXCLUSIVE_SUITES = new Set(
  (JSON.parse(readFileSync(new URL("exclusive-suites.json", import.meta.url), "utf8")) as { suites: string[] }).suites,
);

const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** Two-key advisory lock (class 2099): apart from every lock the services take. */
const SUITE_LOCK = [2099, 1] as const;

let session: pg.Client | undefined;

beforeAll(async () => {
  const suite = relative(REPO_ROOT, expect.getState().testPath ?? "");
  session = new pg.Client({ connectionString: testStack().postgresServerUrl, application_name: `jest ${suite}` });
  await session.connect();
  const take = EXCLUSIVE_SUITES.has(suite) ? "pg_advisory_lock" : "pg_advisory_lock_shared";
  await session.query(`SELECT ${take}($1, $2)`, [...SUITE_LOCK]);
}, 3_600_000);

afterAll(async () => {
  await session?.end();
});
