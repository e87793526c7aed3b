import { spawn } from "node:child_process";
import { REPO_ROOT } from "../services.js";
import { startStack } from "./stack.js";
import { summarise } from "./summary.js";

const log = (message: string) => process.stdout.write(`${message}\n`);

/** REPLICAS: instances of every service and of the gateway (default 1). */
function replicasFromEnv(): number {
  const value = process.env.REPLICAS ?? "1";
  const replicas = Number(value);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 8) {
    process.stderr.write(`REPLICAS must be a whole number from 1 to 8, not "${value}"\n`);
    process.exit(78);
  }
  return replicas;
}

async function up(): Promise<void> {
  const startedAt = Date.now();
  const replicas = replicasFromEnv();
  // KAFKA_PORT and DATABASE_SUFFIX let a second checkout run beside the usual one (its broker, its databases and roles).
  const kafkaPort = process.env.KAFKA_PORT ? Number(process.env.KAFKA_PORT) : undefined;
  const stack = await startStack({
    basePort: Number(process.env.GATEWAY_PORT ?? 4000),
    replicas,
    databaseSuffix: process.env.DATABASE_SUFFIX ?? "",
    ...(kafkaPort
      ? { kafka: { port: kafkaPort, controllerPort: kafkaPort + 1, dataDir: `${REPO_ROOT}/.local/kafka` } }
      : {}),
    freshDatabases: false,
    development: true,
    logDir: `${REPO_ROOT}/.local/logs`,
    log,
  });
  log(`\n✓ stack ready in ${((Date.now() - startedAt) / 1000).toFixed(1)}s — logs in .local/logs/`);
  log(`  gateway: ${stack.gatewayUrl} (GraphiQL: ${new URL(stack.gatewayUrl).origin}/)`);
  if (replicas > 1) {
    log(`  ${replicas} instances each, behind the usual ports (gateway and every service):`);
    for (const instance of stack.instances)
      log(`    ${instance.name.padEnd(12)} ${instance.url} (pid ${instance.pid})`);
  }
  const metricsPorts = Object.values(stack.metricsUrls)
    .flat()
    .map((url) => Number(new URL(url).port));
  log(
    `  metrics: GET /metrics on ports ${Math.min(...metricsPorts)}–${Math.max(...metricsPorts)}, one per process (gateway first; docs/adr/0020)`,
  );
  if (stack.stripe.standInUrl) log(`  Stripe stand-in: ${stack.stripe.standInUrl} (checkout pages, no real payments)`);
  log(
    stack.mail.catcherUrl
      ? `  mail: ${stack.mail.catcherUrl} (every message the stack sends, e.g. invitations; none leaves this machine)`
      : "  mail: sent through SMTP_URL",
  );
  log("  press Ctrl-C to stop everything\n");
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log("\nstopping…");
    await stack.stop();
    log("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
}

/** A static check run before the suites: its name and the command. */
const STATIC_CHECKS: ReadonlyArray<{ name: string; command: string[]; env?: Record<string, string> }> = [
  {
    name: "typecheck",
    command: ["-y", "pnpm@10.20.0", "exec", "turbo", "run", "typecheck", "--output-logs=errors-only"],
  },
  // Type-aware linting holds one TypeScript program per package (19, with the generated resolver
  // types): past node's default heap of about 4 GB.
  {
    name: "lint",
    command: ["-y", "pnpm@10.20.0", "exec", "eslint", "."],
    env: { NODE_OPTIONS: "--max-old-space-size=8192" },
  },
  { name: "format", command: ["-y", "pnpm@10.20.0", "exec", "prettier", "--check", "--log-level=warn", "."] },
  // Unannounced breaking API changes, a stale supergraph, operations the graph no longer accepts.
  { name: "schema", command: ["-y", "pnpm@10.20.0", "exec", "tsx", "gateway/src/supergraph/schema-check.ts"] },
];

/** Runs a command, its output collected: printed after it ends, so it never interleaves with jest's. */
function runCollected(
  command: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("npx", command, {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", (error) => resolve({ status: null, output: `${output}${String(error)}\n` }));
    child.on("close", (status) => resolve({ status, output }));
  });
}

/**
 * Type-checks, lints, format-checks and schema-checks every package while every jest suite runs against a stack
 * the harness starts: the checks, one after another, beside the suites (they need no stack, and
 * the machine is otherwise waiting on the stack's start and on Kafka), reported after jest.
 */
async function test(): Promise<void> {
  const checksDone = (async () => {
    const results: Array<{ name: string; passed: boolean; output: string }> = [];
    for (const { name, command, env } of STATIC_CHECKS) {
      const { status, output } = await runCollected(command, env);
      results.push({ name, passed: status === 0, output });
    }
    return results;
  })();
  const resultsFile = `${REPO_ROOT}/.local/jest-results.json`;
  const jestExit = await new Promise<number | null>((resolve) => {
    const jest = spawn(
      process.execPath,
      [
        "--experimental-vm-modules",
        "--no-warnings",
        `${REPO_ROOT}/node_modules/jest/bin/jest.js`,
        "--maxWorkers=2",
        "--json",
        `--outputFile=${resultsFile}`,
        ...process.argv.slice(3),
      ],
      { cwd: REPO_ROOT, stdio: "inherit", env: { ...process.env } },
    );
    jest.on("close", resolve);
  });
  const checks = await checksDone;
  for (const { name, passed, output } of checks) {
    log(`${name}: ${passed ? "passed" : "FAILED"}`);
    if (!passed) process.stdout.write(output);
  }
  const summary = summarise(resultsFile, checks);
  log(summary.line);
  process.exit(jestExit === 0 && summary.failed === 0 ? 0 : 1);
}

const command = process.argv[2];
if (command === "up") await up();
else if (command === "test") await test();
else {
  process.stderr.write("usage: tsx infra/stack/cli.ts up|test\n");
  process.exit(2);
}
