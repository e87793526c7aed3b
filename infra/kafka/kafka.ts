import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { REPO_ROOT } from "../services.js";

const execFileAsync = promisify(execFile);

export interface KafkaBrokerOptions {
  port?: number;
  controllerPort?: number;
  /** Holds the formatted log dirs, server.properties, broker.log and the pid file. */
  dataDir?: string;
  /** Where the jars are fetched once; shared by every data dir. */
  cacheDir?: string;
  log?: (message: string) => void;
}

const silent = () => undefined;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Readiness is a successful metadata call and a consumer-group coordinator answer, not an open
 * port: right after start the coordinator says "loading" for a moment.
 */
export async function waitForKafka(brokers: string[], timeoutMs: number): Promise<void> {
  const kafka = new Kafka({ clientId: "readiness", brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const deadline = Date.now() + timeoutMs;
  let lastError = "no answer";
  while (Date.now() < deadline) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.fetchTopicMetadata();
      await admin.describeGroups(["readiness-probe"]);
      return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    } finally {
      await admin.disconnect().catch(silent);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Kafka at ${brokers.join(",")} not ready after ${timeoutMs}ms: ${lastError}`);
}

/** A single-node KRaft broker from Maven Central's jars, started as a child Java process. */
export class KafkaBroker {
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  readonly cacheDir: string;
  private readonly log: (message: string) => void;

  constructor(options: KafkaBrokerOptions = {}) {
    this.port = options.port ?? 19092;
    this.controllerPort = options.controllerPort ?? 19093;
    this.dataDir = options.dataDir ?? `${REPO_ROOT}/.local/kafka`;
    this.cacheDir = options.cacheDir ?? `${REPO_ROOT}/.cache/kafka`;
    this.log = options.log ?? silent;
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  private get pidFile(): string {
    return `${this.dataDir}/broker.pid`;
  }

  private get libs(): string {
    return `${this.cacheDir}/libs`;
  }

  private runningPid(): number | null {
    if (!existsSync(this.pidFile)) return null;
    const pid = Number(readFileSync(this.pidFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
  }

  /** Fetches the jars once (about 45 MB, ~40 s) into the cache. */
  async fetchJars(): Promise<void> {
    const marker = `${this.libs}/.complete`;
    if (existsSync(marker)) return;
    this.log("fetching Apache Kafka 4.1.1 from Maven Central (once)…");
    mkdirSync(this.libs, { recursive: true });
    try {
      await execFileAsync(
        "mvn",
        ["-q", "-B", "-f", `${REPO_ROOT}/infra/kafka/pom.xml`, "dependency:copy-dependencies", `-DoutputDirectory=${this.libs}`],
        { maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (error) {
      const output = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`fetching Kafka jars with mvn failed: ${output.message}\n${output.stdout ?? ""}${output.stderr ?? ""}`);
    }
    writeFileSync(marker, new Date().toISOString());
  }

  private writeProperties(): string {
    const file = `${this.dataDir}/server.properties`;
    const properties = {
      "process.roles": "broker,controller",
      "node.id": "1",
      "controller.quorum.voters": `1@127.0.0.1:${this.controllerPort}`,
      listeners: `PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      "advertised.listeners": `PLAINTEXT://127.0.0.1:${this.port}`,
      "controller.listener.names": "CONTROLLER",
      "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
      "inter.broker.listener.name": "PLAINTEXT",
      "log.dirs": `${this.dataDir}/logs`,
      "num.partitions": "1",
      "auto.create.topics.enable": "true",
      // A single dev/test node: replication of 1, and one offsets partition so the group
      // coordinator is ready in moments instead of loading 50 partitions.
      "offsets.topic.replication.factor": "1",
      "offsets.topic.num.partitions": "1",
      "transaction.state.log.replication.factor": "1",
      "transaction.state.log.min.isr": "1",
      "share.coordinator.state.topic.replication.factor": "1",
      "share.coordinator.state.topic.min.isr": "1",
      "group.initial.rebalance.delay.ms": "0",
    };
    writeFileSync(file, Object.entries(properties).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
    return file;
  }

  /** Formats the data dir once; the cluster id is kept beside it. */
  private async format(propertiesFile: string): Promise<void> {
    if (existsSync(`${this.dataDir}/logs/meta.properties`)) return;
    const clusterIdFile = `${this.dataDir}/cluster-id`;
    if (!existsSync(clusterIdFile)) {
      // KRaft cluster ids are 16 bytes, base64url without padding (22 characters).
      writeFileSync(clusterIdFile, Buffer.from(randomUUID().replaceAll("-", ""), "hex").toString("base64url"));
    }
    const clusterId = readFileSync(clusterIdFile, "utf8").trim();
    await execFileAsync("java", ["-cp", `${this.libs}/*`, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", propertiesFile]);
  }

  /** Starts the broker (or adopts one an earlier run left running) and waits until it is ready. */
  async start(): Promise<void> {
    mkdirSync(this.dataDir, { recursive: true });
    const existing = this.runningPid();
    if (existing) {
      this.log(`adopting the Kafka broker already running (pid ${existing})`);
      await waitForKafka(this.brokers, 60_000);
      return;
    }
    if (await portOpen(this.port)) {
      throw new Error(`port ${this.port} is in use by something that is not our Kafka broker; set KAFKA_BROKERS to use it`);
    }
    await this.fetchJars();
    const propertiesFile = this.writeProperties();
    await this.format(propertiesFile);
    const logFile = `${this.dataDir}/broker.log`;
    const out = openSync(logFile, "a");
    const child = spawn(
      "java",
      ["-Xmx512m", "-Xms256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dlog4j.configuration=file:/dev/null", "-cp", `${this.libs}/*`, "kafka.Kafka", propertiesFile],
      { detached: true, stdio: ["ignore", out, out] },
    );
    closeSync(out);
    child.unref();
    writeFileSync(this.pidFile, String(child.pid));
    try {
      await waitForKafka(this.brokers, 60_000);
    } catch (error) {
      const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n") : "";
      await this.stop();
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- broker.log ---\n${tail}`);
    }
  }

  /** SIGTERM (a clean shutdown), then SIGKILL after 20 s. */
  async stop(): Promise<void> {
    const pid = this.runningPid();
    if (pid) {
      process.kill(pid, "SIGTERM");
      const deadline = Date.now() + 20_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (alive(pid)) process.kill(pid, "SIGKILL");
      while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    rmSync(this.pidFile, { force: true });
  }
}

/** Uses KAFKA_BROKERS when set; otherwise starts (or adopts) the local broker. */
export async function ensureKafka(options: KafkaBrokerOptions = {}): Promise<{ brokers: string[]; broker: KafkaBroker | null }> {
  const configured = process.env.KAFKA_BROKERS;
  if (configured) {
    const brokers = configured.split(",").map((b) => b.trim()).filter(Boolean);
    await waitForKafka(brokers, 30_000);
    return { brokers, broker: null };
  }
  const broker = new KafkaBroker(options);
  await broker.start();
  return { brokers: broker.brokers, broker };
}

/** Creates the topics that do not exist yet (1 partition, replication 1). */
export async function ensureTopics(brokers: string[], topics: string[]): Promise<void> {
  const admin = new Kafka({ clientId: "topics", brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })) });
    }
  } finally {
    await admin.disconnect();
  }
}
