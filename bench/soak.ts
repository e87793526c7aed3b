/**
 * `npm run soak` (issue 21): the mixed load of the chaos run, without faults, for SOAK_MINUTES
 * (default 10) at SOAK_LOAD (default 0.7) of the throughput measured first on the same stack,
 * once with one instance of everything and once with two (SOAK_REPLICAS, default "1,2"). For
 * each it prints and checks:
 *
 * - zero errors answered to clients;
 * - every instance's resident memory at the end within 10 % of its level after the warm-up
 *   (SOAK_WARMUP_SECONDS, default 60), each level the median of a minute's readings every 5 s,
 *   and no instance restarted;
 * - the outbox backlog and the services' consumer lag back to zero within 5 s of the load stopping;
 * - activity-log entries equal to the mutations that answered success, each exactly once.
 *
 *   npm run soak                                   # ports 4750-4800, Kafka 19796, databases *_soak
 *   SOAK_MINUTES=2 SOAK_REPLICAS=2 npm run soak
 *   SOAK_MINUTES=30 SOAK_REPLICAS=2 SOAK_TREND_MINUTES=5 npm run soak   # settling or a leak?
 */
import { readFileSync } from "node:fs";
import {
  failuresByCode,
  prepareClients,
  runMixedLoad,
  SERVICE_CONSUMER_GROUPS,
  settle,
  succeeded,
} from "@support/infra/load";
import type { FleetInstance } from "@support/infra/stack";
import { machine } from "./common.js";
import { startFleetStack } from "./fleet-stack.js";

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const LOAD = Number(process.env.SOAK_LOAD ?? 0.7);
const WARMUP_SECONDS = Number(process.env.SOAK_WARMUP_SECONDS ?? 60);
const PROBE_SECONDS = Number(process.env.SOAK_PROBE_SECONDS ?? 30);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 16);
const REPLICAS = (process.env.SOAK_REPLICAS ?? "1,2").split(",").map(Number);
const TREND_MINUTES = Number(process.env.SOAK_TREND_MINUTES ?? 2);
/** Resident memory may end at most this much above its level after the warm-up. */
const MEMORY_GROWTH_LIMIT = 0.1;
const DRAIN_LIMIT_MS = 5_000;

const log = (message: string) => process.stdout.write(`${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of a process in MiB (VmRSS), or null when it is not running. */
function residentMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmRSS:"));
    return line ? Number(line.replace(/\D+/g, "")) / 1024 : null;
  } catch {
    return null;
  }
}

interface Sample {
  pid: number | undefined;
  rss: number | null;
}
const sample = (instances: readonly FleetInstance[]): Map<string, Sample> =>
  new Map(instances.map((instance) => [instance.name, { pid: instance.pid, rss: residentMiB(instance.pid) }]));

/** Each instance's median reading over `readings`; its pid is the last one read (a restart shows). */
function levelOf(readings: ReadonlyArray<Map<string, Sample>>): Map<string, Sample> {
  const level = new Map<string, Sample>();
  for (const name of readings[0]?.keys() ?? []) {
    const values = readings
      .map((reading) => reading.get(name)?.rss)
      .filter((rss): rss is number => typeof rss === "number")
      .sort((a, b) => a - b);
    const pids = new Set(readings.map((reading) => reading.get(name)?.pid));
    level.set(name, {
      pid: pids.size === 1 ? readings.at(-1)?.get(name)?.pid : undefined,
      rss: values.length > 0 ? values[Math.floor(values.length / 2)]! : null,
    });
  }
  return level;
}

async function soak(replicas: number): Promise<boolean> {
  log(`\n== soak with ${replicas} instance(s) of everything ==`);
  const fleet = await startFleetStack({
    replicas,
    basePort: Number(process.env.SOAK_BASE_PORT ?? 4750),
    kafkaPort: Number(process.env.SOAK_KAFKA_PORT ?? 19796),
    databaseSuffix: process.env.SOAK_DATABASE_SUFFIX ?? "_soak",
    log,
  });
  const { stack } = fleet;
  try {
    const clients = await prepareClients(fleet.target, CLIENTS, "Soak");
    // The maximum: every client sends its next request as soon as the last is answered.
    const probe = runMixedLoad(fleet.target, { clients, durationMs: PROBE_SECONDS * 1_000 });
    await probe.finished;
    const maximum = succeeded(probe.stats) / PROBE_SECONDS;
    const rate = maximum * LOAD;
    log(
      `maximum ${maximum.toFixed(1)} requests/s (${PROBE_SECONDS} s, ${CLIENTS} clients, failures ${JSON.stringify(failuresByCode(probe.stats))}); soaking at ${rate.toFixed(1)}/s for ${MINUTES} min`,
    );
    // Let the probe's backlog drain before the soak's own ledger starts.
    await settle(probe.ledger, fleet.databases, fleet.kafka, { timeoutMs: 120_000, groups: SERVICE_CONSUMER_GROUPS });

    const run = runMixedLoad(fleet.target, { clients, ratePerSecond: rate, durationMs: MINUTES * 60_000 });
    await sleep(WARMUP_SECONDS * 1_000);
    // A level, not one reading: resident memory swings with every garbage collection, so the
    // level after the warm-up is the median of the next minute's readings (every 5 s) and the
    // level at the end the median of the last minute's.
    const readings: Array<Map<string, Sample>> = [sample(stack.instances)];
    const sampler = setInterval(() => readings.push(sample(stack.instances)), 5_000);
    await run.finished;
    clearInterval(sampler);
    readings.push(sample(stack.instances));
    const perMinute = Math.min(12, Math.floor(readings.length / 2));
    const afterWarmUp = levelOf(readings.slice(0, perMinute));
    const atEnd = levelOf(readings.slice(-perMinute));
    const peak = new Map<string, number>();
    for (const reading of readings)
      for (const [name, { rss }] of reading) peak.set(name, Math.max(peak.get(name) ?? 0, rss ?? 0));
    const settled = await settle(run.ledger, fleet.databases, fleet.kafka, {
      timeoutMs: 120_000,
      groups: SERVICE_CONSUMER_GROUPS,
    });

    const failures = failuresByCode(run.stats);
    const failed = Object.values(failures).reduce((sum, n) => sum + n, 0);
    const made = succeeded(run.stats);
    log(
      `requests answered with success: ${made} (${(made / (MINUTES * 60)).toFixed(1)}/s); failures ${failed} ${JSON.stringify(failures)}`,
    );
    log(`per operation: ${JSON.stringify(run.stats.ok)}`);
    // The trend tells settling from a leak: a heap still growing into its working size flattens,
    // a leak keeps climbing at the load's pace. One level (median) per SOAK_TREND_MINUTES window.
    const perWindow = Math.max(1, Math.round((TREND_MINUTES * 60) / 5));
    const windows = Array.from({ length: Math.ceil(readings.length / perWindow) }, (_, i) =>
      levelOf(readings.slice(i * perWindow, (i + 1) * perWindow)),
    );
    log(`resident memory trend (MiB), one median per ${TREND_MINUTES} min after the warm-up:`);
    for (const instance of stack.instances) {
      const levels = windows.map((window) => window.get(instance.name)?.rss?.toFixed(0) ?? "?");
      log(`  ${instance.name.padEnd(12)} ${levels.join(" → ")}`);
    }
    let memoryHeld = true;
    log("resident memory (MiB): after warm-up → peak → end");
    for (const instance of stack.instances) {
      const warm = afterWarmUp.get(instance.name);
      const end = atEnd.get(instance.name);
      const restarted = warm?.pid === undefined || warm.pid !== end?.pid;
      const growth = warm?.rss && end?.rss ? end.rss / warm.rss - 1 : Number.NaN;
      const held = !restarted && Number.isFinite(growth) && growth <= MEMORY_GROWTH_LIMIT;
      memoryHeld &&= held;
      log(
        `  ${instance.name.padEnd(12)} ${warm?.rss?.toFixed(0) ?? "?"} → ${peak.get(instance.name)?.toFixed(0) ?? "?"} → ${end?.rss?.toFixed(0) ?? "?"} (${(growth * 100).toFixed(1)} %)${restarted ? " RESTARTED" : ""}${held ? "" : " ✗"}`,
      );
    }
    const drained =
      settled.left !== null &&
      Object.values(settled.left.outbox).every((n) => n === 0) &&
      Object.values(settled.left.lag).every((n) => n === 0);
    log(
      `backlog drained ${(settled.drainedMs / 1000).toFixed(2)} s after the load stopped (limit ${DRAIN_LIMIT_MS / 1000} s)`,
    );
    log(
      `activity-log entries ${settled.check.foundEntries} for ${settled.check.expectedEntries} logged mutations; ${settled.check.problems.length} problems`,
    );
    for (const problem of settled.check.problems.slice(0, 20)) log(`  ${problem}`);
    const ok =
      failed === 0 &&
      memoryHeld &&
      drained &&
      settled.drainedMs <= DRAIN_LIMIT_MS &&
      settled.check.problems.length === 0 &&
      settled.check.foundEntries === settled.check.expectedEntries;
    log(`soak with ${replicas}: ${ok ? "held" : "FAILED"}`);
    return ok;
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<boolean> {
  log(`soak: ${MINUTES} min at ${LOAD * 100} % of the measured maximum, replicas ${REPLICAS.join(" and ")}`);
  log(machine());
  let ok = true;
  for (const replicas of REPLICAS) ok = (await soak(replicas)) && ok;
  return ok;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
