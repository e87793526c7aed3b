/**
 * What `npm run build` changes in a process's start: every service and the gateway started alone,
 * one at a time, beside a running stack (its databases, Kafka, the other processes), from its
 * TypeScript under tsx and from its build under plain node, in turns. Per process: the time from
 * spawn to /ready answering 200, and its resident memory (VmRSS) when ready and 5 s later.
 *
 *   npm run build && npm run bench:start     # = npx tsx bench/start.ts; its own stack
 *   BENCH_ROUNDS=5 npm run bench:start       # default 3 starts of each way
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { SERVICES, REPO_ROOT, type ServiceName } from "@support/infra/services";
import { nodeArgsFor, startStack } from "@support/infra/stack";
import { machine } from "./common.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const basePort = Number(process.env.BENCH_BASE_PORT ?? 4450);
const kafkaPort = Number(process.env.BENCH_KAFKA_PORT ?? 19496);
const databaseSuffix = process.env.BENCH_DATABASE_SUFFIX ?? "_bench";
/** The port each measured process listens on: past the stack's (gateway, services, stand-in, mail catcher). */
const MEASURED_PORT = basePort + 9;
const log = (message: string) => process.stdout.write(`${message}\n`);

function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Math.round(Number(kb) / 1024);
}

/** One start: spawn to /ready, then RSS at ready and after 5 s; the process is stopped after. */
async function startOnce(
  program: ServiceName | "gateway",
  entry: string,
  env: NodeJS.ProcessEnv,
): Promise<{ readyMs: number; rssReady: number; rssSettled: number }> {
  const cwd = program === "gateway" ? `${REPO_ROOT}/gateway` : `${REPO_ROOT}/services/${program}`;
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...nodeArgsFor(entry), entry], {
    cwd,
    env: { ...env, PORT: String(MEASURED_PORT) },
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${program} (${entry}) exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${MEASURED_PORT}/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) break;
      await sleep(20);
    }
    const readyMs = Math.round(performance.now() - startedAt);
    const rssReady = rssMb(child.pid as number);
    await sleep(5_000);
    return { readyMs, rssReady, rssSettled: rssMb(child.pid as number) };
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const stack = await startStack({
  basePort,
  databaseSuffix,
  freshDatabases: true,
  logDir: `${REPO_ROOT}/.local/logs${databaseSuffix}`,
  kafka: { port: kafkaPort, controllerPort: kafkaPort + 1, dataDir: `${REPO_ROOT}/.local/kafka${databaseSuffix}` },
  alwaysCatchMail: true,
  log: (message) => log(`[stack] ${message}`),
});
try {
  log(`machine: ${machine()}; ${ROUNDS} starts each way, medians`);
  const gatewayEnv: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: "127.0.0.1",
    ACTOR_CONTEXT_KEYS: stack.actorContextKeys,
    KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    ...Object.fromEntries(SERVICES.map((s) => [`${s.toUpperCase()}_URL`, `${stack.serviceUrls[s]}/graphql`])),
  };
  log(
    "| process | tsx: to /ready (ms) | built: to /ready (ms) | tsx: RSS ready / +5 s (MB) | built: RSS ready / +5 s (MB) |",
  );
  log("| --- | --- | --- | --- | --- |");
  for (const program of [...SERVICES, "gateway"] as const) {
    const env = program === "gateway" ? gatewayEnv : stack.serviceEnv(program);
    const runs = {
      tsx: [] as Awaited<ReturnType<typeof startOnce>>[],
      built: [] as Awaited<ReturnType<typeof startOnce>>[],
    };
    for (let round = 0; round < ROUNDS; round++) {
      runs.tsx.push(await startOnce(program, "src/server.ts", env));
      runs.built.push(await startOnce(program, "dist/server.js", env));
    }
    const cell = (way: "tsx" | "built") =>
      `${median(runs[way].map((r) => r.rssReady))} / ${median(runs[way].map((r) => r.rssSettled))}`;
    log(
      `| ${program} | ${median(runs.tsx.map((r) => r.readyMs))} | ${median(runs.built.map((r) => r.readyMs))} | ${cell("tsx")} | ${cell("built")} |`,
    );
  }
} finally {
  await stack.stop();
}
