import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { REPO_ROOT } from "../services.js";

/**
 * Loaded before the entry point: starts OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set
 * (its ESM hook must be in place before pg, kafkajs and http are imported), nothing otherwise.
 * A build loads the build of it.
 */
const TRACING_REGISTER = `${REPO_ROOT}/packages/tracing/src/register.ts`;
const TRACING_REGISTER_BUILT = `${REPO_ROOT}/packages/tracing/dist/register.js`;

export interface ManagedProcess {
  name: string;
  /** The running child (a new one after each restart). */
  readonly child: ChildProcess;
  logFile: string;
  /**
   * From now on, a crash (a non-zero exit code, or a kill by a signal) starts the process again
   * after a back-off, and says so through `log`, as compose's `restart: unless-stopped` does. Not
   * after `stop()`, nor after a clean exit (code 0), nor after a refused configuration (78).
   */
  keepRunning(log: (message: string) => void): void;
  /** Called with each child started after the first (a restart, by the supervisor or `restartNow`). */
  onStart(listener: (child: ChildProcess) => void): void;
  /**
   * Stops the running child (SIGTERM, SIGKILL after 15 s) if it runs, and starts a new one at
   * once, without the supervisor's back-off; resolves when the new child is spawned.
   */
  restartNow(): Promise<void>;
  stop(): Promise<void>;
}

/** Exit code of a process refusing its configuration: starting it again cannot help. */
const EX_CONFIG = 78;
/** Restart delays double from the first to the last; a process that stayed up this long starts over at the first. */
export const RESTART_BACKOFF = { firstMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 };

/**
 * SUPPORT_RUN_BUILT=1: stacks run each service's and the gateway's build (`npm run build`,
 * dist/server.js under plain node), as production does, instead of their TypeScript under tsx.
 */
export function runsBuilt(): boolean {
  return process.env.SUPPORT_RUN_BUILT === "1";
}

/** The entry point of the service or gateway in `packageDir`: its source, or its build (`runsBuilt`). */
export function serverEntry(packageDir: string): string {
  if (!runsBuilt()) return "src/server.ts";
  if (!existsSync(`${packageDir}/dist/server.js`))
    throw new Error(`SUPPORT_RUN_BUILT=1 but ${packageDir}/dist/server.js is missing: run \`npm run build\` first`);
  return "dist/server.js";
}

/**
 * A TypeScript entry runs under tsx; a JavaScript one under plain node, reading the workspace
 * packages' builds (their `built` export condition, dist/) rather than their sources.
 */
export function nodeArgsFor(entry: string): string[] {
  if (entry.endsWith(".ts")) return ["--import", "tsx", "--import", TRACING_REGISTER];
  // A package's build (…/dist/…) traces like its source; any other script (a stand-in) runs as is.
  if (/(^|\/)dist\//.test(entry)) return ["--conditions=built", "--import", TRACING_REGISTER_BUILT];
  return ["--conditions=built"];
}

/** Starts an entry point (TypeScript under tsx, or a build; with tracing when configured), its output appended to `<logDir>/<name>.log`. */
export function startProcess(options: {
  name: string;
  entry: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  logDir: string;
  backoff?: typeof RESTART_BACKOFF;
}): ManagedProcess {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = `${options.logDir}/${options.name}.log`;
  const backoff = options.backoff ?? RESTART_BACKOFF;

  let stopping = false;
  let supervisor: ((message: string) => void) | null = null;
  let restartTimer: NodeJS.Timeout | null = null;
  let restarts = 0;
  let startedAt = Date.now();
  let child = spawnChild(options, logFile);
  let exited = exitOf(child);
  /** The child `restartNow` is ending: its exit is expected, not a crash. */
  let replacing: ChildProcess | null = null;
  const startListeners: Array<(child: ChildProcess) => void> = [];

  const startAgain = () => {
    startedAt = Date.now();
    child = spawnChild(options, logFile);
    exited = exitOf(child);
    watch(child);
    for (const listener of startListeners) listener(child);
  };

  /** Ends the running child: SIGTERM, then SIGKILL if it is still there after 15 s. */
  const end = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 15_000).unref());
    if ((await Promise.race([exited, timeout])) === "timeout") {
      child.kill("SIGKILL");
      await exited;
    }
  };

  function watch(watched: ChildProcess) {
    watched.once("exit", (code, signal) => onExit(watched, code, signal));
  }

  function onExit(exitedChild: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    // Exit code 0 is a clean shutdown someone asked for (SIGTERM, or Ctrl-C reaching the whole
    // process group before `stop()` is called): not a crash.
    if (stopping || !supervisor || code === 0 || exitedChild === replacing) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (code === EX_CONFIG) {
      supervisor(`${options.name} exited with ${how} (configuration refused); not restarting — see ${logFile}`);
      return;
    }
    if (Date.now() - startedAt >= backoff.resetAfterMs) restarts = 0;
    restarts += 1;
    const delayMs = Math.min(backoff.firstMs * 2 ** (restarts - 1), backoff.maxMs);
    const message = `${options.name} exited unexpectedly (${how}); restarting in ${delayMs / 1000}s (restart ${restarts})`;
    supervisor(message);
    appendFileSync(logFile, `[supervisor] ${message}\n`);
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (stopping) return;
      startAgain();
      supervisor?.(`${options.name} restarted (pid ${child.pid})`);
    }, delayMs);
  }
  watch(child);

  return {
    name: options.name,
    get child() {
      return child;
    },
    logFile,
    keepRunning(log) {
      supervisor = log;
    },
    onStart(listener) {
      startListeners.push(listener);
    },
    async restartNow() {
      if (stopping) return;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = null;
      replacing = child;
      await end();
      if (stopping) return;
      startAgain();
    },
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      await end();
    },
  };
}

/**
 * The child writes its output straight into its log file (appending; a restarted child too), not
 * through a pipe this process would copy from: under load that copying was a second write of
 * every log line, in the runner's process (the load generator's, in the benchmarks).
 */
function spawnChild(
  options: { name: string; entry: string; cwd: string; env: NodeJS.ProcessEnv },
  logFile: string,
): ChildProcess {
  const output = openSync(logFile, "a");
  // STACK_CPU_PROFILE_DIR=<dir>: every process of the stack runs under --cpu-prof and writes its
  // profile to <dir>/<name>/ when it stops (read one with bench/profile-summary.ts).
  const profileDir = process.env.STACK_CPU_PROFILE_DIR;
  const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}/${options.name}`] : [];
  // STACK_NODE_FLAGS="--trace-gc …": flags for every process of the stack that NODE_OPTIONS refuses.
  const flags = (process.env.STACK_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  try {
    return spawn(process.execPath, [...profile, ...flags, ...nodeArgsFor(options.entry), options.entry], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", output, output],
    });
  } finally {
    closeSync(output); // the child has its own copy
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => child.once("exit", () => resolve()));
}

/** Polls `url` until it answers 2xx; fails early if the process exits. */
export async function waitUntilReady(url: string, process: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (process.child.exitCode !== null) {
      throw new Error(`${process.name} exited with code ${process.child.exitCode}; see ${process.logFile}`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `HTTP ${response.status}: ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${process.name} not ready after ${timeoutMs}ms (${last}); see ${process.logFile}`);
}
