#!/usr/bin/env node
// The commands of the README (`up`, `test`, and `browser` for `npm run test:browser`). Plain JavaScript on purpose: it runs before any dependency
// (pnpm itself included) is installed, on a machine that only has Node.js and npm.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PNPM = ["-y", "pnpm@10.20.0"];
process.env.TURBO_TELEMETRY_DISABLED = "1";
process.env.DO_NOT_TRACK = "1";
const command = process.argv[2];

function run(cmd, args, env = {}) {
  const result = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } });
  if (result.status !== 0) {
    console.error(`\n✗ ${cmd} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
    // CI reads the last line as the tally: a set-up step that fails is one failed check.
    if (command === "test") console.log("0 passed, 1 failed");
    process.exit(result.status ?? 1);
  }
}

if (command !== "up" && command !== "test" && command !== "browser") {
  console.error("usage: node infra/bin/run.mjs up|test|browser");
  process.exit(2);
}

/** Like `run`, without waiting: resolves when the command succeeded, ends this process when it failed. */
function runAsync(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: "inherit" });
    child.on("exit", (code, signal) => {
      if (code === 0) return resolve();
      console.error(`\n✗ ${cmd} ${args.join(" ")} failed (exit ${code ?? signal})`);
      if (command === "test") console.log("0 passed, 1 failed");
      process.exit(code ?? 1);
    });
  });
}

/**
 * Kafka's jars (infra/kafka/pom.xml), fetched by Maven into .cache/kafka/libs while pnpm installs
 * (a first start spent 12 s on them after the install): the same marker and swap as
 * infra/kafka/kafka.ts, which then finds them there. Nothing when KAFKA_BROKERS names a broker,
 * the jars are there already, or Maven is missing (kafka.ts then says what to install).
 */
function prefetchKafkaJars() {
  if (process.env.KAFKA_BROKERS) return Promise.resolve();
  const pom = `${ROOT}infra/kafka/pom.xml`;
  const cacheDir = `${ROOT}.cache/kafka`;
  const libsDir = `${cacheDir}/libs`;
  const pomHash = createHash("sha256").update(readFileSync(pom)).digest("hex");
  const marker = `${libsDir}/.fetched-pom-sha256`;
  if (existsSync(marker) && readFileSync(marker, "utf8").trim() === pomHash) return Promise.resolve();
  mkdirSync(cacheDir, { recursive: true });
  const staging = `${cacheDir}/libs.${process.pid}.partial`;
  rmSync(staging, { recursive: true, force: true });
  const fetchStarted = Date.now();
  return new Promise((resolve) => {
    const args = ["-q", "-B", "-f", pom, "dependency:copy-dependencies", `-DoutputDirectory=${staging}`];
    const mvn = spawn("mvn", args, { cwd: cacheDir, stdio: "ignore" });
    mvn.on("error", () => resolve()); // no Maven: kafka.ts reports it
    mvn.on("exit", (code) => {
      if (code === 0) {
        writeFileSync(`${staging}/.fetched-pom-sha256`, `${pomHash}\n`);
        rmSync(libsDir, { recursive: true, force: true });
        renameSync(staging, libsDir);
        console.log(
          `✓ Kafka's jars fetched in ${((Date.now() - fetchStarted) / 1000).toFixed(1)}s (beside the install)`,
        );
      } else rmSync(staging, { recursive: true, force: true }); // kafka.ts tries again and shows Maven's output
      resolve();
    });
  });
}

// `browser`: the suites in test/browser drive a Chromium installed on the machine (playwright-core
// downloads none). Checked first, so a missing browser is told before minutes of installing.
if (command === "browser") {
  const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  const probe = existsSync(chromium)
    ? spawnSync(chromium, ["--version"], { encoding: "utf8", timeout: 30_000 })
    : { status: null, stdout: "" };
  if (probe.status !== 0) {
    console.error(
      `✗ Chromium not found or not runnable at ${chromium}.\n` +
        "  Install it with: sudo apt-get install -y chromium   (Debian/Ubuntu; as root without sudo)\n" +
        "  or point CHROMIUM_PATH at a Chromium or Chrome binary.",
    );
    process.exit(1);
  }
  process.env.CHROMIUM_PATH = chromium;
  console.log(`✓ ${probe.stdout.trim()} (${chromium})`);
}

const started = Date.now();
const kafkaJars = command === "up" ? prefetchKafkaJars() : Promise.resolve();
// 1. Dependencies, through a pinned pnpm fetched by npx (corepack's signature check fails on some mirrors).
run("npx", [...PNPM, "install", ...(process.env.CI ? ["--frozen-lockfile"] : [])], {
  npm_config_update_notifier: "false",
});
// `test` runs the stack from the builds, as production does (docs/adr/0022): a process under tsx
// starts slower and carries 45-50 MB more, and the suites start dozens of them (fleets, restarts,
// chaos). SUPPORT_RUN_BUILT=0 tests the TypeScript under tsx instead.
if (command === "test" && process.env.SUPPORT_RUN_BUILT === undefined) process.env.SUPPORT_RUN_BUILT = "1";
// 2. Prisma clients (the CLI needs no schema engine for `generate`) and the resolver types from the
// SDL (docs/adr/0023), and the supergraph, side by side;
// with SUPPORT_RUN_BUILT=1 the builds too (`build` runs `generate` first), which the stack then runs.
const task = process.env.SUPPORT_RUN_BUILT === "1" ? "build" : "generate";
await Promise.all([
  runAsync("npx", [...PNPM, "exec", "turbo", "run", task, "--output-logs=errors-only"]),
  command === "up" ? runAsync("npx", [...PNPM, "--filter", "@support/gateway", "run", "compose"]) : undefined,
]);
console.log(`✓ installed and generated in ${((Date.now() - started) / 1000).toFixed(1)}s`);
await kafkaJars;
// 3. The stack (and, for `test`, every suite against it; its last line is the tally). For `browser`,
// jest with the browser suites' config, whose global setup starts the test stack.
// Spawned, not spawnSync: a SIGINT or SIGTERM sent to this process alone (not to the terminal's
// whole process group, as Ctrl-C does) is passed on, so the stack it started stops too.
const last = spawn(
  process.execPath,
  command === "browser"
    ? [
        "--experimental-vm-modules",
        "--no-warnings",
        "node_modules/jest/bin/jest.js",
        "--config",
        "jest.browser.config.js",
        "--runInBand",
        ...process.argv.slice(3),
      ]
    : ["--import", "tsx", "infra/stack/cli.ts", command],
  {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, NODE_PATH: "" },
  },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => last.kill(signal));
last.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
