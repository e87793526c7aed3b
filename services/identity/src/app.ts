import { readFileSync } from "node:fs";
import { gql } from "graphql-tag";
import { z } from "zod";
import {
  cacheInvalidationsFor,
  createServiceRuntime,
  WorkspacePeopleClient,
  type ServiceRuntime,
} from "@support/service-kit";
import { mountApolloSubgraph } from "@support/service-kit/apollo";
import type { Logger } from "@support/logger";
import { mailFromDomain, type IdentityConfig } from "./config.js";
import { createDb, type Tx } from "./db/client.js";
import { topicFor } from "@support/events";
import { workspaceDeletions } from "./events/workspace-deletions.js";
import { ticketNotifications } from "./events/ticket-notifications.js";
import { createMailSender } from "./mail/sender.js";
import { loginThrottle, passwordResetThrottle } from "./db/login-throttle.js";
import { recordedOrInFlight } from "./db/invitation-locks.js";
import { createLoaders, type IdentityContext } from "./context.js";
import { resolvers } from "./resolvers/index.js";
import { authenticateSession, authenticateSessionById } from "./resolvers/sessions.js";

export const typeDefs = gql(readFileSync(new URL("./schema/identity.graphql", import.meta.url), "utf8"));

/** Builds the identity service without listening; used by server.ts and the tests. */
export async function createServer(config: IdentityConfig, options: { logger?: Logger } = {}): Promise<ServiceRuntime> {
  const db = createDb(config.DATABASE_URL);
  const runtime = createServiceRuntime({
    service: "identity",
    config,
    logger: options.logger,
    database: { ping: () => db.$queryRaw`SELECT 1`, close: () => db.$disconnect() },
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
      ...createLoaders(db),
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

  // Called by the gateway for a session token it has not checked recently. A refused token is a
  // successful answer (`actor: null`); 401 is kept for the gateway's own context being refused.
  // `expiresAt` bounds how long the gateway may remember the answer (docs/adr/0011).
  runtime.app.post<{ Body: { token?: unknown } }>("/internal/authenticate", async (request) => {
    const token = request.body?.token;
    const session = typeof token === "string" ? await authenticateSession(db, token) : null;
    return session ? { actor: session.actor, expiresAt: session.expiresAt.toISOString() } : { actor: null };
  });

  // Called by the gateway for a download link followed without a header (docs/adr/0009): the
  // session the link was asked in must still authenticate its user. Same answers as above.
  const sessionCheck = z.object({ sessionId: z.string().uuid(), userId: z.string().uuid() }).strict();
  runtime.app.post("/internal/sessions/check", async (request) => {
    const parsed = sessionCheck.safeParse(request.body ?? {});
    const session = parsed.success
      ? await authenticateSessionById(db, parsed.data.sessionId, parsed.data.userId)
      : null;
    return session ? { actor: session.actor, expiresAt: session.expiresAt.toISOString() } : { actor: null };
  });

  /**
   * Org roles and statuses of people of the caller's organisation, for decisions the workspace
   * service makes about someone other than the caller (explainPermission): identity owns org
   * roles, so this answer is exact where workspace's event-fed copy may lag (docs/adr/0004).
   */
  const peopleQuery = z.object({ userIds: z.array(z.string().uuid()).min(1).max(1000) }).strict();
  runtime.app.post("/internal/people/query", async (request, reply) => {
    const parsed = peopleQuery.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: "userIds must be 1 to 1000 user ids" });
    const actor = request.actor;
    if (actor.kind === "anonymous") return reply.code(401).send({ error: "authentication required" });
    const people = await db.user.findMany({
      where: { id: { in: parsed.data.userIds }, organisationId: actor.organisationId },
      select: { id: true, orgRole: true, status: true },
    });
    return { people: people.map((person) => ({ userId: person.id, orgRole: person.orgRole, status: person.status })) };
  });

  /**
   * Which of these invitations still hold their seats (recorded in the caller's organisation and
   * not revoked, or being recorded now): the workspace service asks about seat reservations no
   * invitation.sent confirmed, to give back those of an inviteUser that died between reserving and
   * committing, or of a revocation whose event has not arrived (db/invitation-locks.ts).
   */
  const invitationsKnown = z.object({ invitationIds: z.array(z.string().uuid()).min(1).max(1000) }).strict();
  runtime.app.post("/internal/invitations/known", async (request, reply) => {
    const parsed = invitationsKnown.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: "invitationIds must be 1 to 1000 invitation ids" });
    const actor = request.actor;
    if (actor.kind === "anonymous") return reply.code(401).send({ error: "authentication required" });
    return { invitationIds: await recordedOrInFlight(db, actor.organisationId, parsed.data.invitationIds) };
  });

  // A deleted workspace's invitations go when its event arrives (docs/adr/0010).
  runtime.consume<Tx>({
    groupId: "identity.workspace-deletions",
    topics: [topicFor("workspace")],
    transaction: (work) => db.$transaction(work),
    // Purges run in bounded chunks before the event's transaction (issue 21); other types are skipped.
    ...workspaceDeletions(db),
  });

  // Ticketing's in-app notifications, mailed to their recipients once each (docs/adr/0016).
  runtime.consume<Tx>({
    groupId: "identity.ticket-notifications",
    topics: [topicFor("ticketing")],
    transaction: (work) => db.$transaction(work),
    ...ticketNotifications({ appBaseUrl: config.APP_BASE_URL }),
  });

  return runtime;
}
