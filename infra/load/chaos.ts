/**
 * The chaos run of issue 21: the mixed load against a fleet while, every few seconds, a random
 * instance (a service's or a gateway's) is killed with SIGKILL, the broker is restarted once and
 * every database connection is terminated once. The caller then settles and checks the ledger
 * (ledger-check.ts): nothing that answered success may be lost, duplicated or reordered.
 *
 * The e2e test (test/e2e/chaos.test.ts) runs it briefly beside the harness's stack; `npm run
 * chaos` (bench/chaos.ts) runs it for minutes on a stack of its own.
 */
import pg from "pg";
import type { FleetInstance } from "../stack/fleet.js";
import { runMixedLoad, type Ledger, type LoadClient, type LoadStats, type LoadTarget } from "./mixed-load.js";

export interface ChaosFaults {
  /** The instances a kill may hit; the supervisor restarts each after its back-off. */
  instances: readonly FleetInstance[];
  kill(instance: FleetInstance): Promise<void>;
  untilServing(instance: FleetInstance, timeoutMs?: number): Promise<void>;
  /** Stops the broker and starts it again, resolving when it serves. */
  restartKafka(): Promise<void>;
  /** An admin login to the PostgreSQL server, and the databases whose connections are terminated. */
  postgresServerUrl: string;
  databaseNames: readonly string[];
}

export interface ChaosOptions {
  clients: LoadClient[];
  durationMs: number;
  /** A kill every this many milliseconds. */
  killEveryMs: number;
  /** Paced load (requests per second over all clients); unpaced when omitted. */
  ratePerSecond?: number;
  log: (message: string) => void;
}

export interface ChaosFault {
  /** Milliseconds since the load started. */
  atMs: number;
  what: string;
}

export interface ChaosRun {
  stats: LoadStats;
  ledger: Ledger;
  faults: ChaosFault[];
  kills: number;
  /** Connections `pg_terminate_backend` ended. */
  connectionsTerminated: number;
  /** How long the broker was away. */
  kafkaRestartMs: number;
}

/** Ends every connection to `databaseNames` but the caller's own; answers how many. */
export async function terminateConnections(serverUrl: string, databaseNames: readonly string[]): Promise<number> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()`,
      [databaseNames],
    );
    return rowCount ?? 0;
  } finally {
    await client.end();
  }
}

/**
 * A victim for the next kill: a serving instance with a serving sibling, so that every service
 * keeps answering through the run (killing the last instance only measures the restart back-off).
 */
function pickVictim(instances: readonly FleetInstance[]): FleetInstance | undefined {
  const candidates = instances.filter(
    (instance) =>
      instance.serving &&
      instances.some((other) => other !== instance && other.service === instance.service && other.serving),
  );
  return candidates[Math.floor(Math.random() * candidates.length)];
}

/**
 * Runs the load for `durationMs` with the faults spread over it: kills from the first interval on,
 * the broker restart at a third, the connection termination at two thirds. Resolves after the load
 * has stopped and every instance serves again.
 */
export async function runChaos(target: LoadTarget, faults: ChaosFaults, options: ChaosOptions): Promise<ChaosRun> {
  const { log } = options;
  const startedAt = Date.now();
  const since = () => Date.now() - startedAt;
  const happened: ChaosFault[] = [];
  const note = (what: string) => {
    happened.push({ atMs: since(), what });
    log(`[chaos +${(since() / 1000).toFixed(1)}s] ${what}`);
  };
  const load = runMixedLoad(target, { clients: options.clients, ratePerSecond: options.ratePerSecond });
  let kills = 0;
  let connectionsTerminated = 0;
  let kafkaRestartMs = 0;
  const pending: Array<Promise<unknown>> = [];

  const killTimer = setInterval(() => {
    const victim = pickVictim(faults.instances);
    if (!victim) return;
    kills += 1;
    note(`kill -9 ${victim.name} (pid ${victim.pid ?? "?"})`);
    pending.push(
      faults.kill(victim).catch((error: unknown) => note(`kill of ${victim.name} failed: ${String(error)}`)),
    );
  }, options.killEveryMs);

  const at = (fraction: number, fault: () => Promise<void>) =>
    new Promise<void>((resolve) => setTimeout(resolve, options.durationMs * fraction)).then(fault);
  const kafkaRestart = at(1 / 3, async () => {
    note("Kafka broker stopping");
    const stoppedAt = Date.now();
    await faults.restartKafka();
    kafkaRestartMs = Date.now() - stoppedAt;
    note(`Kafka broker back after ${(kafkaRestartMs / 1000).toFixed(1)}s`);
  });
  const termination = at(2 / 3, async () => {
    connectionsTerminated = await terminateConnections(faults.postgresServerUrl, faults.databaseNames);
    note(`PostgreSQL: ${connectionsTerminated} connections terminated`);
  });

  try {
    await new Promise((resolve) => setTimeout(resolve, options.durationMs));
  } finally {
    clearInterval(killTimer);
    load.stop();
  }
  await Promise.all([load.finished, kafkaRestart, termination, ...pending]);
  note("load stopped; waiting for every instance to serve again");
  await Promise.all(faults.instances.map((instance) => faults.untilServing(instance, 300_000)));
  note("every instance serving");
  return { stats: load.stats, ledger: load.ledger, faults: happened, kills, connectionsTerminated, kafkaRestartMs };
}
