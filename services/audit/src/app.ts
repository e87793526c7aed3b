import { readFileSync } from "node:fs";
import type { FastifyRequest } from "fastify";
import pg from "pg";
import { topicFor } from "@support/events";
import type { Logger } from "@support/logger";
import {
  createServiceRuntime,
  createTransactionPool,
  permissionLookups,
  Signer,
  type PgTx,
  type ServiceRuntime,
} from "@support/service-kit";
import { mountMercuriusSubgraph } from "@support/service-kit/mercurius";
import { TicketingClient } from "./clients/ticketing.js";
import type { AuditConfig } from "./config.js";
import type { AuditContext } from "./context.js";
import { checkpointMovedChains, sealLegacyChains } from "./db/checkpoints.js";
import { createDb } from "./db/client.js";
import { createExportPool } from "./db/export-stream.js";
import { VerifyThrottle } from "./db/verify-throttle.js";
import { ChainKeys } from "./domain/chain.js";
import { ACTIVITY_LOG_CONSUMER, ACTIVITY_LOG_POOL } from "./events/consumer-options.js";
import { appendEvents } from "./events/record.js";
import { registerWorkspaceDataActivityLog } from "./internal/workspace-data-activity-log.js";
import { resolvers } from "./resolvers/index.js";
import { registerActivityLogDownload, type ActivityFileDeps } from "./routes/activity-log-download.js";

export const schema = readFileSync(new URL("./schema/audit.graphql", import.meta.url), "utf8");

/** Every service's topic: each state change anywhere becomes one activity entry. */
export const AUDITED_TOPICS = ["identity", "workspace", "ticketing", "billing", "audit"].map(topicFor);

/** Builds the audit service without listening; used by server.ts and the tests. */
export async function createServer(config: AuditConfig, options: { logger?: Logger } = {}): Promise<ServiceRuntime> {
  const db = createDb(config.DATABASE_URL);
  const signer = new Signer(config.AUDIT_SIGNING_KEYS);
  const chainKeys = new ChainKeys(config.AUDIT_SIGNING_KEYS);
  const verifyThrottle = new VerifyThrottle(db, {
    pointsPerMinute: config.AUDIT_VERIFY_POINTS_PER_MINUTE,
    fullCost: config.AUDIT_VERIFY_FULL_COST,
  });
  // Plain SQL beside Prisma: activityLog's pages (db/entries.ts). Exports' server-side cursors
  // (db/export-stream.ts) hold their connection while the file streams: they have their own pool,
  // so slow readers never starve activityLog (issue 21).
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 10 });
  const exportPool = createExportPool(config.DATABASE_URL, {
    max: config.AUDIT_EXPORT_CONNECTIONS,
    waitMs: config.AUDIT_EXPORT_WAIT_SECONDS * 1000,
    onError: (error) => runtime.app.log.warn({ err: error }, "an idle export connection failed; it is replaced"),
  });
  // The consumer's batch transactions on node-postgres (service-kit's sql-transactions.ts, events/consumer-options.ts).
  const consumerPool = createTransactionPool(config.DATABASE_URL, {
    ...ACTIVITY_LOG_POOL,
    onError: (error) => runtime.app.log.warn({ err: error }, "an idle consumer connection failed; it is replaced"),
  });
  // A connection the server drops while idle (a restart, pg_terminate_backend) is replaced, not fatal.
  pool.on("error", (error) =>
    runtime.app.log.warn({ err: error }, "an idle database connection failed; it is replaced"),
  );
  // Entries written before the chain was keyed get their signed seal before anything new is
  // appended (docs/adr/0008); a no-op once every such chain has one. Written on first need (the
  // readiness check, the first consumer transaction), not while building: building touches no
  // database (test/harness/list-routes.ts builds every service without one). Retried after a failure.
  let sealing: Promise<void> | null = null;
  const sealed = () =>
    (sealing ??= sealLegacyChains(db, signer).then(
      () => undefined,
      (error: unknown) => {
        sealing = null;
        throw error;
      },
    ));
  const runtime = createServiceRuntime({
    service: "audit",
    config,
    logger: options.logger,
    // Ready once the legacy seal is written: nothing is appended or verified before it.
    database: {
      ping: () => sealed().then(() => db.$queryRaw`SELECT 1`),
      // After the consumers have stopped (service-kit closes the database last).
      close: () => Promise.all([db.$disconnect(), consumerPool.end()]).then(() => undefined),
    },
  });
  // Permission answers remembered until cache.invalidations names the workspace (docs/adr/0003).
  const workspaceAccess = permissionLookups(runtime, {
    workspaceServiceUrl: config.WORKSPACE_SERVICE_URL,
    cacheSeconds: config.PERMISSION_CACHE_SECONDS,
  });

  runtime.consume<PgTx>({
    groupId: "audit.activity-log",
    topics: AUDITED_TOPICS,
    transaction: (work) => sealed().then(() => consumerPool.transaction(work)),
    handle: (event, tx) => appendEvents(tx, chainKeys, [event]),
    handleBatch: (events, tx) => appendEvents(tx, chainKeys, events),
    ...ACTIVITY_LOG_CONSUMER,
  });

  const tickets = (request: FastifyRequest) => new TicketingClient(config.TICKETING_SERVICE_URL, request);
  await mountMercuriusSubgraph<AuditContext>(runtime, {
    schema,
    // typed against the SDL in resolvers/ by the generated `Resolvers` (src/generated/graphql.ts)
    resolvers,
    context: (request) => ({
      actor: request.actor,
      db,
      pool,
      logger: request.log,
      workspaces: workspaceAccess(request),
      tickets: tickets(request),
      signer,
      chainKeys,
      verifyThrottle,
      downloadBaseUrl: config.DOWNLOAD_BASE_URL.replace(/\/$/, ""),
      exportLinkTtlSeconds: config.AUDIT_EXPORT_LINK_TTL_SECONDS,
    }),
  });
  const activityFiles: ActivityFileDeps = {
    db,
    exportPool,
    exportLimits: {
      idleMs: config.AUDIT_EXPORT_IDLE_SECONDS * 1000,
      totalMs: config.AUDIT_EXPORT_MAX_SECONDS * 1000,
    },
    signer,
    workspaces: workspaceAccess,
    tickets,
  };
  registerActivityLogDownload(runtime.app, activityFiles);
  registerWorkspaceDataActivityLog(runtime.app, activityFiles);

  // Signed checkpoints of every chain that moved, at a fixed interval (docs/adr/0008): what moved is
  // in the database (chain_unsigned_head), so any instance's run covers every other's appends.
  let checkpointing: Promise<void> | null = null;
  const checkpoint = () => {
    checkpointing ??= checkpointMovedChains(db, signer, runtime.app.log)
      .then(() => undefined)
      .catch((error: unknown) => runtime.app.log.error({ err: error }, "writing chain checkpoints failed"))
      .finally(() => (checkpointing = null));
  };
  const timer = setInterval(checkpoint, config.AUDIT_CHECKPOINT_INTERVAL_SECONDS * 1000);
  timer.unref();
  runtime.app.addHook("onClose", async () => {
    clearInterval(timer);
    await checkpointing;
    await Promise.all([pool.end(), exportPool.end()]);
  });

  return runtime;
}
