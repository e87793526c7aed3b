#!/usr/bin/env node
// The commands of the README (`up`, `test`, and `browser` for `npm run test:browser`). Plain JavaScript on purpose: it runs before any dependency
// (pnpm itself included) is installed, on a machine that only has Node.js and npm.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
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
// 1. Dependencies, through a pinned pnpm fetched by npx (corepack's signature check fails on some mirrors).
run("npx", [...PNPM, "install", ...(process.env.CI ? ["--frozen-lockfile"] : [])], {
  npm_config_update_notifier: "false",
});
// 2. Prisma clients (the CLI needs no schema engine for `generate`), then the supergraph.
run("npx", [...PNPM, "exec", "turbo", "run", "generate", "--output-logs=errors-only"]);
if (command === "up") run("npx", [...PNPM, "--filter", "@support/gateway", "run", "compose"]);
console.log(`✓ installed and generated in ${((Date.now() - started) / 1000).toFixed(1)}s`);
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
