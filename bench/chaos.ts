/**
 * `npm run chaos` (issue 21), the long chaos run: a stack of its own with two instances of every
 * service and two gateways, the mixed load for CHAOS_MINUTES (default 5) while a random instance
 * is killed with SIGKILL every CHAOS_KILL_SECONDS (default 3), the broker is restarted once and
 * every database connection is terminated once. Then it waits for the backlog to drain and checks
 * the ledger; it prints the figures and exits non-zero if anything was lost, duplicated,
 * reordered or left behind, or if a client saw an error other than unavailability.
 *
 *   npm run chaos                                  # ports 4650-4700, Kafka 19696, databases *_chaos
 *   CHAOS_MINUTES=1 CHAOS_REPLICAS=3 npm run chaos
 */
import {
  failuresByCode,
  prepareClients,
  runChaos,
  SERVICE_CONSUMER_GROUPS,
  settle,
  succeeded,
} from "@support/infra/load";
import { machine } from "./common.js";
import { startFleetStack } from "./fleet-stack.js";

const MINUTES = Number(process.env.CHAOS_MINUTES ?? 5);
const KILL_SECONDS = Number(process.env.CHAOS_KILL_SECONDS ?? 3);
const REPLICAS = Number(process.env.CHAOS_REPLICAS ?? 2);
const CLIENTS = Number(process.env.CHAOS_CLIENTS ?? 8);

const log = (message: string) => process.stdout.write(`${message}\n`);

async function main(): Promise<boolean> {
  log(`chaos: ${MINUTES} min, a kill every ${KILL_SECONDS} s, ${REPLICAS} instances of everything, ${CLIENTS} clients`);
  log(machine());
  const fleet = await startFleetStack({
    replicas: REPLICAS,
    basePort: Number(process.env.CHAOS_BASE_PORT ?? 4650),
    kafkaPort: Number(process.env.CHAOS_KAFKA_PORT ?? 19696),
    databaseSuffix: process.env.CHAOS_DATABASE_SUFFIX ?? "_chaos",
    log,
  });
  const { stack } = fleet;
  try {
    const clients = await prepareClients(fleet.target, CLIENTS, "Chaos");
    const broker = stack.kafkaBroker;
    const run = await runChaos(
      fleet.target,
      {
        instances: stack.instances,
        kill: (instance) => stack.kill(instance),
        untilServing: (instance, timeoutMs) => stack.untilServing(instance, timeoutMs),
        restartKafka: async () => {
          if (!broker) throw new Error("KAFKA_BROKERS names a broker this run cannot restart");
          await broker.stop();
          await broker.start();
        },
        postgresServerUrl: stack.postgres.serverUrl,
        databaseNames: fleet.databaseNames,
      },
      { clients, durationMs: MINUTES * 60_000, killEveryMs: KILL_SECONDS * 1_000, log },
    );
    const settled = await settle(run.ledger, fleet.databases, fleet.kafka, {
      timeoutMs: 300_000,
      groups: SERVICE_CONSUMER_GROUPS,
    });
    const byCode = failuresByCode(run.stats);
    const mutations =
      run.stats.ok.createTicket +
      run.stats.ok.changeTicketStatus +
      run.stats.ok.addTicketReply +
      run.stats.ok.inviteAndRevoke +
      run.stats.ok.stripeWebhook;
    log("");
    log(`requests answered with success: ${succeeded(run.stats)} (${mutations} of them mutations)`);
    log(`per operation: ${JSON.stringify(run.stats.ok)}`);
    log(`failures by code: ${JSON.stringify(byCode)}`);
    log(`unexpected errors: ${run.stats.unexpected.length} ${JSON.stringify(run.stats.unexpected.slice(0, 5))}`);
    log(
      `faults: ${run.kills} kill -9, Kafka away ${(run.kafkaRestartMs / 1000).toFixed(1)} s, ${run.connectionsTerminated} PostgreSQL connections terminated`,
    );
    log(
      `backlog drained ${(settled.drainedMs / 1000).toFixed(1)} s after the load stopped: ${JSON.stringify(settled.left)}`,
    );
    log(
      `ledger: ${settled.check.problems.length} problems; activity-log entries ${settled.check.foundEntries} for ${settled.check.expectedEntries} logged successes (clean ${(settled.checkedMs / 1000).toFixed(1)} s after the stop)`,
    );
    for (const problem of settled.check.problems.slice(0, 20)) log(`  ${problem}`);
    const drained =
      settled.left !== null &&
      Object.values(settled.left.outbox).every((n) => n === 0) &&
      Object.values(settled.left.lag).every((n) => n === 0);
    return drained && settled.check.problems.length === 0 && run.stats.unexpected.length === 0;
  } finally {
    await stack.stop();
  }
}

main().then(
  (ok) => {
    log(ok ? "chaos: nothing lost" : "chaos: FAILED");
    process.exit(ok ? 0 : 1);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
