import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Db } from "../db/client.js";
import { recordedOrInFlight } from "../db/invitation-locks.js";
import { organisationRoute } from "./organisation-route.js";

const body = z.object({ invitationIds: z.array(z.string().uuid()).min(1).max(1000) }).strict();

/**
 * `POST /internal/invitations/known`: which of these invitations still hold their seats (recorded
 * in the caller's organisation and not revoked, or being recorded now). The workspace service asks
 * about the seat reservations of a full workspace, to give back those of an inviteUser that
 * died between reserving and committing, or of a revocation whose event has not arrived
 * (db/invitation-locks.ts).
 */
export function registerInvitationsKnownRoute(app: FastifyInstance, db: Db): void {
  organisationRoute(
    app,
    "/internal/invitations/known",
    body,
    "invitationIds must be 1 to 1000 invitation ids",
    async (query, actor) => ({
      invitationIds: await recordedOrInFlight(db, actor.organisationId, query.invitationIds),
    }),
  );
}
