import { readFileSync } from "node:fs";
import { gql } from "graphql-tag";
import {
  cacheInvalidationsFor,
  createServiceRuntime,
  createTransactionPool,
  HOT_PATH_POOL,
  WorkspacePeopleClient,
  type ServiceRuntime,
} from "@support/service-kit";
import { mountApolloSubgraph } from "@support/service-kit/apollo";
import type { Logger } from "@support/logger";
import { mailFromDomain, type IdentityConfig } from "./config.js";
import { createDb, type Tx } from "./db/client.js";
import { topicFor } from "@support/events";
import { workspaceDeletions } from "./events/workspace-consumer.js";
import { ticketNotifications } from "./events/ticketing-consumer.js";
import { createMailSender } from "./mail/sender.js";
import { createLoaders } from "./db/loaders.js";
import { loginThrottle, passwordResetThrottle } from "./db/login-throttle.js";
import type { IdentityContext } from "./context.js";
import { registerAuthenticateRoute } from "./internal/authenticate.js";
import { registerInvitationsKnownRoute } from "./internal/invitations-known.js";
import { registerPeopleQueryRoute } from "./internal/people-query.js";
import { registerSessionCheckRoute } from "./internal/sessions-check.js";
import { resolvers } from "./resolvers/index.js";

export const typeDefs = gql(readFileSync(new URL("./schema/identity.graphql", import.meta.url), "utf8"));

/** Builds the identity service without listening; used by server.ts and the tests. */
export async function createServer(config: IdentityConfig, options: { logger?: Logger } = {}): Promise<ServiceRuntime> {
  const db = createDb(config.DATABASE_URL);
  // A few connections of its own for the hot reads (users and organisations by id: every `me`, every
  // User entity), off Prisma's client (docs/adr/0025, BENCHMARKS.md issue 25).
  const sql = createTransactionPool(config.DATABASE_URL, {
    ...HOT_PATH_POOL,
    onError: (error) => runtime.logger.warn({ err: error }, "an idle read-path connection failed; it is replaced"),
  });
  const runtime = createServiceRuntime({
    service: "identity",
    config,
    logger: options.logger,
    database: {
      ping: () => db.$queryRaw`SELECT 1`,
      close: async () => {
        await Promise.all([db.$disconnect(), sql.end()]);
      },
    },
  });

  const throttle = loginThrottle(db, config);
  const resetThrottle = passwordResetThrottle(db, config);
  // Every instance sends the mail outbox; the rows are shared through leases (docs/adr/0016).
  const mail = createMailSender({
    db,
    logger: runtime.logger,
    smtpUrl: config.SMTP_URL,
    from: config.MAIL_FROM,
    messageIdDomain: mailFromDomain(config.MAIL_FROM),
    retryHours: config.MAIL_RETRY_HOURS,
    retentionDays: config.PROCESSED_EVENT_RETENTION_DAYS,
  });
  runtime.app.addHook("onReady", async () => mail.start());
  // Before the database closes: the mail in hand is sent or left leased, never half-recorded.
  runtime.app.addHook("preClose", async () => mail.stop());
  // Ended sessions and changed users reach every gateway through Kafka (docs/adr/0011).
  const invalidations = cacheInvalidationsFor(runtime.app, {
    kafka: runtime.kafka,
    logger: runtime.logger,
    name: runtime.service,
  });

  await mountApolloSubgraph<IdentityContext>(runtime, {
    typeDefs,
    resolvers,
    context: (request) => ({
      actor: request.actor,
      db,
      config,
      logger: request.log,
      ...createLoaders(db, sql),
      workspaces: new WorkspacePeopleClient(config.WORKSPACE_SERVICE_URL, request),
      throttle,
      resetThrottle,
      invalidations,
      mail,
      // Signed by the gateway inside the actor context (docs/adr/0005). A context minted without
      // one (a test calling identity directly) falls back to the peer address, never to a header.
      clientAddress: request.actorContext?.clientAddress ?? request.ip,
    }),
  });

  registerAuthenticateRoute(runtime.app, db);
  registerSessionCheckRoute(runtime.app, db);
  registerPeopleQueryRoute(runtime.app, db);
  registerInvitationsKnownRoute(runtime.app, db);

  // A deleted workspace's invitations go when its event arrives (docs/adr/0010); unsent mail about
  // a workspace goes with it, and with a member who left it (mail/outbox.ts).
  runtime.consume<Tx>({
    groupId: "identity.workspace-deletions",
    topics: [topicFor("workspace")],
    transaction: (work) => db.$transaction(work),
    // Purges run in bounded chunks before the event's transaction (issue 21); other types are skipped.
    ...workspaceDeletions(db),
    unhurried: true,
  });

  // Ticketing's in-app notifications, mailed to their recipients once each (docs/adr/0016).
  runtime.consume<Tx>({
    groupId: "identity.ticket-notifications",
    topics: [topicFor("ticketing")],
    transaction: (work) => db.$transaction(work),
    ...ticketNotifications({ appBaseUrl: config.APP_BASE_URL }),
    unhurried: true,
  });

  return runtime;
}
