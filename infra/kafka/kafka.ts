import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { CACHE_INVALIDATIONS_TOPIC, EVENT_TOPIC_PARTITIONS, ensureTopics as ensureTopicsWith } from "@support/events";
import { REPO_ROOT } from "../services.js";

/** The Maven project listing the broker's jars; its hash is the fetch marker, so editing it refetches. */
const POM_FILE = fileURLToPath(new URL("./pom.xml", import.meta.url));
const LOG4J_CONFIG = fileURLToPath(new URL("./log4j.properties", import.meta.url));

/** Bounded, not a sleep: the wait ends once the broker answers (seconds when idle; minutes on a loaded machine). */
const READY_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 20_000;
/** Never joined: describing it makes the broker find (and, the first time, create) the group coordinator. */
const READINESS_GROUP = "__readiness-check";

export interface KafkaBrokerOptions {
  /** Port of the PLAINTEXT listener clients use. */
  port?: number;
  /** Port of the KRaft controller listener. */
  controllerPort?: number;
  /** Broker state: cluster id, server.properties, topic data, broker.log and broker.pid. */
  dataDir?: string;
  /** Where the jars are fetched to; shared by every data dir. */
  cacheDir?: string;
  log?: (msg: string) => void;
}

/**
 * A single-node KRaft Kafka broker for development and tests, run from jars that Maven fetches
 * once. It runs detached and records its pid, so a later process can adopt or stop it.
 */
export class KafkaBroker {
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  readonly cacheDir: string;
  readonly brokers: string[];
  private readonly log: (msg: string) => void;
  /** The broker this instance started or adopted. */
  private pid: number | null = null;
  /** Set only when this instance spawned the broker (an adopted one is not our child). */
  private child: ChildProcess | null = null;

  constructor({
    port = 19092,
    controllerPort = 19093,
    dataDir = `${REPO_ROOT}/.local/kafka`,
    cacheDir = `${REPO_ROOT}/.cache/kafka`,
    log = () => undefined,
  }: KafkaBrokerOptions = {}) {
    this.port = port;
    this.controllerPort = controllerPort;
    this.dataDir = dataDir;
    this.cacheDir = cacheDir;
    this.log = log;
    this.brokers = [`127.0.0.1:${port}`];
  }

  private get libsDir(): string {
    return `${this.cacheDir}/libs`;
  }
  private get topicDataDir(): string {
    return `${this.dataDir}/kraft-logs`;
  }
  private get propertiesFile(): string {
    return `${this.dataDir}/server.properties`;
  }
  private get clusterIdFile(): string {
    return `${this.dataDir}/cluster-id`;
  }
  private get pidFile(): string {
    return `${this.dataDir}/broker.pid`;
  }
  get logFile(): string {
    return `${this.dataDir}/broker.log`;
  }

  /**
   * Starts the broker and waits until it serves metadata and its group coordinator; adopts the
   * broker of an earlier run if this data dir's pid file names a live one.
   */
  async start(): Promise<void> {
    if (this.pid !== null && isAlive(this.pid)) return;
    const startedAt = Date.now();
    mkdirSync(this.dataDir, { recursive: true });
    if (await this.adoptRecordedBroker()) {
      this.log(`Kafka: adopted running broker (pid ${this.pid}) on ${this.brokers.join(",")}`);
      return;
    }
    await this.assertPortsFree();
    await this.fetchJars();
    // Must come after the adoption check: the file on disk describes the running broker until then.
    this.writeServerProperties();
    await this.formatOnce();
    const child = await this.spawnBroker();
    try {
      await pollUntilReady(this.brokers, READY_TIMEOUT_MS, () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `the broker exited (${child.exitCode !== null ? `code ${child.exitCode}` : child.signalCode})`,
          );
        }
      });
    } catch (error) {
      await this.stop();
      throw new Error(
        `Kafka broker on ${this.brokers.join(",")} did not become ready: ${errorMessage(error)}\n` +
          `--- last lines of ${this.logFile} ---\n${tail(this.logFile, 40)}`,
      );
    }
    this.log(
      `Kafka: broker ready on ${this.brokers.join(",")} (pid ${this.pid}) in ${seconds(Date.now() - startedAt)}`,
    );
  }

  /**
   * Stops the broker this instance started or adopted, or else the one in the data dir's pid
   * file (another process may have restarted it since): SIGTERM (a clean shutdown), then
   * SIGKILL after 20 s.
   */
  async stop(): Promise<void> {
    const pid = this.pid !== null && isAlive(this.pid) ? this.pid : this.runningPid();
    if (pid === null) return;
    this.log(`Kafka: stopping broker (pid ${pid})`);
    signal(pid, "SIGTERM");
    if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
      this.log(`Kafka: broker (pid ${pid}) still running after ${STOP_TIMEOUT_MS / 1000} s, killing it`);
      signal(pid, "SIGKILL");
      await waitForExit(pid, 5_000);
    }
    if (readPid(this.pidFile) === pid) rmSync(this.pidFile, { force: true });
    this.pid = null;
    this.child = null;
  }

  /** Pid of this data dir's broker if one is running (started by anyone), else null. */
  runningPid(): number | null {
    if (this.pid !== null && isAlive(this.pid)) return this.pid;
    const pid = readPid(this.pidFile);
    if (pid === null || !isAlive(pid)) return null;
    // The pid may have been reused by another program since the file was written.
    const commandLine = commandLineOf(pid);
    return commandLine.includes("kafka.Kafka") && commandLine.includes(this.propertiesFile) ? pid : null;
  }

  private async adoptRecordedBroker(): Promise<boolean> {
    const pid = this.runningPid();
    if (pid === null) {
      rmSync(this.pidFile, { force: true });
      return false;
    }
    const runningPort = listenerPort(readFileSync(this.propertiesFile, "utf8"));
    if (runningPort !== this.port) {
      throw new Error(
        `the Kafka broker of ${this.dataDir} is already running (pid ${pid}) on port ${runningPort}, not ${this.port}; ` +
          `stop it first (tsx infra/kafka/cli.ts stop, or kill ${pid})`,
      );
    }
    this.log(`Kafka: found the broker of an earlier run (pid ${pid}), waiting until it is ready`);
    await pollUntilReady(this.brokers, READY_TIMEOUT_MS, () => {
      if (!isAlive(pid)) throw new Error(`the broker of an earlier run (pid ${pid}) exited`);
    });
    const answeringClusterId = await clusterIdOf(this.brokers);
    if (answeringClusterId !== this.clusterId()) {
      throw new Error(
        `port ${this.port} is served by Kafka cluster ${answeringClusterId}, not by the broker of ${this.dataDir} ` +
          `(cluster ${this.clusterId()}, pid ${pid})`,
      );
    }
    this.pid = pid;
    return true;
  }

  private async assertPortsFree(): Promise<void> {
    for (const port of [this.port, this.controllerPort]) {
      if (await canListen(port)) continue;
      let identity = "something that is not a Kafka broker";
      try {
        identity = `a Kafka broker of cluster ${await clusterIdOf([`127.0.0.1:${port}`])}`;
      } catch {
        // Not Kafka, or not answering Kafka requests: keep the generic description.
      }
      throw new Error(
        `port ${port} on 127.0.0.1 is already in use, by ${identity} that ${this.pidFile} does not record. ` +
          `Stop it, choose other ports, or set KAFKA_BROKERS to use an existing broker.`,
      );
    }
  }

  /** Copies the jars listed in pom.xml into cacheDir/libs, unless already done for this pom. */
  private async fetchJars(): Promise<void> {
    const pomHash = createHash("sha256").update(readFileSync(POM_FILE)).digest("hex");
    const marker = `${this.libsDir}/.fetched-pom-sha256`;
    if (existsSync(marker) && readFileSync(marker, "utf8").trim() === pomHash) return;

    this.log("Kafka: fetching the broker's jars with Maven (first run only; about a minute)");
    const startedAt = Date.now();
    mkdirSync(this.cacheDir, { recursive: true });
    // Fetch beside libs and swap it in, so an interrupted fetch never looks complete.
    const staging = `${this.cacheDir}/libs.${process.pid}.partial`;
    rmSync(staging, { recursive: true, force: true });
    const args = ["-q", "-B", "-f", POM_FILE, "dependency:copy-dependencies", `-DoutputDirectory=${staging}`];
    const result = await runCommand(
      "mvn",
      args,
      this.cacheDir,
      "Maven (mvn) is needed to fetch the Kafka jars; install Maven 3",
    );
    if (result.exitCode !== 0) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(
        `fetching the Kafka jars failed: mvn ${args.join(" ")} exited with ${result.exitCode}:\n${lastLines(result.output, 60)}`,
      );
    }
    writeFileSync(`${staging}/.fetched-pom-sha256`, `${pomHash}\n`);
    rmSync(this.libsDir, { recursive: true, force: true });
    renameSync(staging, this.libsDir);
    const jarCount = readdirSync(this.libsDir).filter((name) => name.endsWith(".jar")).length;
    this.log(`Kafka: fetched ${jarCount} jars in ${seconds(Date.now() - startedAt)}`);
  }

  /** The cluster id this data dir was (or will be) formatted with. */
  private clusterId(): string {
    if (existsSync(this.clusterIdFile)) return readFileSync(this.clusterIdFile, "utf8").trim();
    const formattedWith = /^cluster\.id=(.+)$/m.exec(readIfExists(`${this.topicDataDir}/meta.properties`))?.[1];
    const clusterId = formattedWith ?? newClusterId();
    writeFileSync(this.clusterIdFile, `${clusterId}\n`);
    return clusterId;
  }

  private writeServerProperties(): void {
    const settings: Record<string, string | number | boolean> = {
      "process.roles": "broker,controller",
      "node.id": 1,
      "controller.quorum.voters": `1@127.0.0.1:${this.controllerPort}`,
      listeners: `PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      "advertised.listeners": `PLAINTEXT://127.0.0.1:${this.port}`,
      "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
      "controller.listener.names": "CONTROLLER",
      "inter.broker.listener.name": "PLAINTEXT",
      "log.dirs": this.topicDataDir,
      // One node: every internal topic gets one replica, and as few partitions as possible,
      // because the group coordinator is only ready once all its partitions are loaded.
      "num.partitions": 1,
      "auto.create.topics.enable": true,
      "offsets.topic.replication.factor": 1,
      "offsets.topic.num.partitions": 1,
      "transaction.state.log.replication.factor": 1,
      "transaction.state.log.min.isr": 1,
      "transaction.state.log.num.partitions": 1,
      "share.coordinator.state.topic.replication.factor": 1,
      "share.coordinator.state.topic.min.isr": 1,
      "share.coordinator.state.topic.num.partitions": 1,
      "group.initial.rebalance.delay.ms": 0,
    };
    const lines = Object.entries(settings).map(([key, value]) => `${key}=${value}`);
    writeFileSync(this.propertiesFile, `# Written by infra/kafka/kafka.ts on every start.\n${lines.join("\n")}\n`);
  }

  private async formatOnce(): Promise<void> {
    if (existsSync(`${this.topicDataDir}/meta.properties`)) return;
    this.log(`Kafka: formatting ${this.topicDataDir}`);
    const args = [
      ...this.jvmArgs(),
      "kafka.tools.StorageTool",
      "format",
      "-t",
      this.clusterId(),
      "-c",
      this.propertiesFile,
    ];
    const result = await runCommand(javaCommand(), args, this.dataDir, "Java 17+ is needed to run Kafka");
    if (result.exitCode !== 0) {
      throw new Error(
        `formatting ${this.topicDataDir} failed (exit ${result.exitCode}):\n${lastLines(result.output, 40)}`,
      );
    }
  }

  private jvmArgs(): string[] {
    // Java expands the trailing `*` of a classpath entry itself; no shell is involved.
    return ["-Xmx512m", `-Dlog4j.configuration=file:${LOG4J_CONFIG}`, "-cp", `${this.libsDir}/*`];
  }

  private async spawnBroker(): Promise<ChildProcess> {
    // Keep the previous run's log for post-mortems; this run gets a fresh one.
    if (existsSync(this.logFile)) renameSync(this.logFile, `${this.dataDir}/broker.previous.log`);
    const logFd = openSync(this.logFile, "a");
    let child: ChildProcess;
    try {
      // Detached and unreferenced: the broker outlives this process unless stop() is called,
      // which lets the CLI start it in the background and a later run adopt it.
      child = spawn(javaCommand(), [...this.jvmArgs(), "kafka.Kafka", this.propertiesFile], {
        cwd: this.dataDir,
        detached: true,
        stdio: ["ignore", logFd, logFd],
      });
    } finally {
      closeSync(logFd);
    }
    if (child.pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once("error", resolve));
      throw new Error(`could not start java (${error.message}); Java 17+ is needed to run Kafka`);
    }
    child.unref();
    this.child = child;
    this.pid = child.pid;
    writeFileSync(this.pidFile, `${child.pid}\n`);
    return child;
  }
}

/**
 * Waits until the brokers answer a metadata request and a consumer-group coordinator lookup
 * (right after a start the coordinator reports "loading" for a moment), or throws after timeoutMs.
 */
export async function waitForKafka(brokers: string[], timeoutMs: number): Promise<void> {
  await pollUntilReady(brokers, timeoutMs, () => undefined);
}

/**
 * The brokers from KAFKA_BROKERS (comma-separated) once they are ready, with `broker: null`;
 * without it, a local broker, started or adopted, which the caller stops.
 */
export async function ensureKafka(
  opts: KafkaBrokerOptions = {},
): Promise<{ brokers: string[]; broker: KafkaBroker | null }> {
  const fromEnv = process.env.KAFKA_BROKERS;
  if (fromEnv) {
    const brokers = fromEnv
      .split(",")
      .map((b) => b.trim())
      .filter((b) => b.length > 0);
    await waitForKafka(brokers, READY_TIMEOUT_MS);
    return { brokers, broker: null };
  }
  const broker = new KafkaBroker(opts);
  await broker.start();
  return { brokers: broker.brokers, broker };
}

/**
 * Creates the services' event topics that do not exist yet with EVENT_TOPIC_PARTITIONS
 * partitions (docs/adr/0002), and grows any that has fewer, and `cache.invalidations` with its one
 * partition (docs/adr/0003, 0011). Consumer groups create their own retry and dead-letter topics
 * when they start (and caching instances `cache.invalidations`, if it is still missing).
 */
export async function ensureTopics(
  brokers: string[],
  topics: string[],
  log: (message: string) => void = () => undefined,
): Promise<void> {
  const admin = adminClient(brokers, { retries: 5 });
  await admin.connect();
  try {
    await ensureTopicsWith(
      admin,
      [...topics.map((topic) => ({ topic, numPartitions: EVENT_TOPIC_PARTITIONS })), CACHE_INVALIDATIONS_TOPIC],
      log,
    );
  } finally {
    await admin.disconnect();
  }
}

function adminClient(brokers: string[], { retries }: { retries: number }) {
  const kafka = new Kafka({
    clientId: "support-infra",
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries },
  });
  return kafka.admin({ retry: { retries } });
}

/** Polls readiness until it succeeds; `check` may throw to give up early (e.g. the broker died). */
async function pollUntilReady(brokers: string[], timeoutMs: number, check: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = new Error("no attempt finished");
  for (;;) {
    check();
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) break;
    try {
      await withTimeout(probeReadiness(brokers), Math.min(remainingMs, 10_000));
      return;
    } catch (error) {
      lastError = error;
    }
    await sleep(Math.max(0, Math.min(250, deadline - Date.now())));
  }
  throw new Error(
    `Kafka at ${brokers.join(",")} was not ready within ${seconds(timeoutMs)}: ${errorMessage(lastError)}`,
  );
}

async function probeReadiness(brokers: string[]): Promise<void> {
  const admin = adminClient(brokers, { retries: 0 });
  try {
    await admin.connect();
    await admin.describeCluster();
    await admin.describeGroups([READINESS_GROUP]);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function clusterIdOf(brokers: string[]): Promise<string> {
  const admin = adminClient(brokers, { retries: 0 });
  try {
    await admin.connect();
    return (await withTimeout(admin.describeCluster(), 5_000)).clusterId;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A random cluster id in Kafka's format (a base64url UUID, which Kafka never lets start with "-"). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

function listenerPort(serverProperties: string): number | null {
  const port = /^listeners=.*PLAINTEXT:\/\/[^:,]+:(\d+)/m.exec(serverProperties)?.[1];
  return port === undefined ? null : Number(port);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function javaCommand(): string {
  return process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : "java";
}

/** Runs a command to completion, collecting stdout and stderr together. */
function runCommand(
  command: string,
  args: string[],
  cwd: string,
  missingHint: string,
): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", (error) => reject(new Error(`could not run ${command} (${error.message}); ${missingHint}`)));
    child.once("close", (code, signalName) => resolve({ exitCode: code ?? (signalName ? 128 : 1), output }));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but owned by another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

function commandLineOf(pid: number): string {
  try {
    return execFileSync("ps", ["-ww", "-o", "args=", "-p", String(pid)], { encoding: "utf8" });
  } catch {
    return "";
  }
}

function readPid(file: string): number | null {
  const pid = Number.parseInt(readIfExists(file).trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function readIfExists(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

function tail(file: string, lineCount: number): string {
  return lastLines(readIfExists(file), lineCount) || "(empty)";
}

function lastLines(text: string, lineCount: number): string {
  return text.trimEnd().split("\n").slice(-lineCount).join("\n");
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
