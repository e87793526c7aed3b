import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import {
  AppError,
  ErrorCode,
  forbidden,
  invalidInput,
  isAppError,
  notFound,
  serviceUnavailable,
} from "@support/errors";
import { instantText } from "@support/validation";
import type { Db } from "../db/client.js";
import { authorize } from "@support/permissions";
import { freshAccess } from "../authorization.js";
import type { IdentityClient } from "../clients/identity.js";
import {
  releaseReservations,
  releaseSeats,
  reservationsOf,
  reserveSeat,
  reservedInvitationIds,
} from "../db/invitations.js";
import { findMembership, lockWorkspace, seatUse } from "../db/memberships.js";
import { customRoleOf } from "../db/roles.js";
import { assertMayGive, assertSeatsFor, managerOf } from "../domain/members.js";

const INVITE_PERMISSION = "members:invite";

const reserveSchema = z
  .object({
    invitationId: z.string().uuid(),
    email: z.string().min(1).max(254),
    expiresAt: instantText(),
    workspaces: z
      .array(
        z.object({
          workspaceId: z.string().uuid(),
          role: z.enum(["ADMIN", "SUPERVISOR", "AGENT", "SUPPORT", "MEMBER"]),
          customRoleId: z.string().uuid().nullish(),
        }),
      )
      .min(1)
      .max(100),
    /** The account the invited email already has in the organisation (identity knows it), if any. */
    userId: z.string().uuid().nullish(),
  })
  .strict();

const releaseSchema = z.object({ invitationId: z.string().uuid() }).strict();

/**
 * Seats for invitations are decided here, where approvals and membership changes take theirs,
 * under the same workspace row lock (docs/adr/0004): identity reserves an invitation's seats
 * before it records the invitation, and releases them if it then fails. Domain refusals answer
 * HTTP 200 with `{ error: { code, message } }`, as /internal/memberships/apply does.
 */
export function registerInvitationRoutes(
  app: FastifyInstance,
  db: Db,
  identityFor: (request: FastifyRequest) => Pick<IdentityClient, "knownInvitations">,
): void {
  /**
   * Checks the inviter's `members:invite`, the roles they may give, the custom roles and the seats of every workspace of
   * the invitation and writes its pending-invitation rows, all or nothing. Idempotent per
   * invitation id (a retry neither double-counts nor fails on its own rows).
   */
  app.post("/internal/invitations/reserve", async (request, reply) => {
    const parsed = reserveSchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: invalidInput(parsed.error.issues).message });
    const { invitationId, email, expiresAt, workspaces, userId } = parsed.data;
    const actor = request.actor;
    try {
      if (actor.kind !== "user") throw forbidden("Only people can invite");
      if (new Set(workspaces.map((w) => w.workspaceId)).size !== workspaces.length)
        throw invalidInput([{ path: ["workspaces"], message: "each workspace may appear only once" }]);
      const reserve = () =>
        db.$transaction(async (tx) => {
          // A fixed lock order (by id), so two reservations over the same workspaces cannot deadlock.
          const ordered = [...workspaces].sort((a, b) => a.workspaceId.localeCompare(b.workspaceId));
          for (const entry of ordered) {
            const access = await authorize(freshAccess({ actor, db: tx }), entry.workspaceId);
            if (!access.permissions.includes(INVITE_PERMISSION)) {
              throw forbidden(`You cannot invite into workspace ${access.workspace.name}`);
            }
            const custom = entry.customRoleId
              ? await customRoleOf(tx, entry.workspaceId, entry.customRoleId).catch((error: unknown) => {
                  throw isAppError(error) && error.code === "NOT_FOUND" ? notFound("Custom role") : error;
                })
              : null;
            // A supervisor invites agents, support staff and members, not administrators (SPEC section 2).
            assertMayGive(
              managerOf(actor, access),
              custom ? { role: "CUSTOM", customRoleId: custom.id } : { role: entry.role, customRoleId: null },
              custom?.permissions ?? null,
            );
            const locked = await lockWorkspace(tx, entry.workspaceId);
            // Someone already in the workspace needs no invitation into it, and must not hold a seat twice.
            if (userId) {
              if (await findMembership(tx, entry.workspaceId, userId)) {
                throw new AppError(
                  ErrorCode.CONFLICT,
                  `${email} is already a member of workspace ${access.workspace.name}`,
                  { reason: "ALREADY_MEMBER" },
                );
              }
            }
            assertSeatsFor(1, await seatUse(tx, locked, { exceptInvitationId: invitationId }), access.workspace.name);
            const fields = {
              email,
              role: entry.customRoleId ? ("CUSTOM" as const) : entry.role,
              customRoleId: entry.customRoleId ?? null,
              expiresAt: new Date(expiresAt),
            };
            await reserveSeat(tx, invitationId, entry.workspaceId, fields);
          }
        });
      try {
        await reserve();
      } catch (error) {
        // Seats held by reservations an inviteUser left behind when it died go back, once. The
        // check is made again even when none went back here: a seat may have been given back
        // meanwhile by someone else (an invitation.revoked consumed since; CI: a revoked
        // invitation's seat, released between the two, was refused to the next invitation).
        if (!(isAppError(error) && error.code === ErrorCode.PLAN_LIMIT)) throw error;
        await releaseOrphanedReservations(
          db,
          identityFor(request),
          actor.organisationId,
          workspaces.map((w) => w.workspaceId),
          invitationId,
          request.log,
        );
        await reserve();
      }
      return { ok: true };
    } catch (error) {
      if (isAppError(error)) {
        const reason = typeof error.extensions.reason === "string" ? error.extensions.reason : undefined;
        return { error: { code: error.code, message: error.message, ...(reason ? { reason } : {}) } };
      }
      throw error;
    }
  });

  /**
   * Gives back the seats of an invitation identity did not record after all. Only rows in
   * workspaces where the actor may invite are removed: the same right that reserved them.
   */
  app.post("/internal/invitations/release", async (request, reply) => {
    const parsed = releaseSchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: invalidInput(parsed.error.issues).message });
    const actor = request.actor;
    if (actor.kind !== "user") return { released: 0 };
    const rows = await reservationsOf(db, parsed.data.invitationId, actor.organisationId);
    let released = 0;
    for (const { workspaceId } of rows) {
      const access = await authorize(freshAccess({ actor, db }), workspaceId).catch((error: unknown) => {
        if (isAppError(error)) return null;
        throw error;
      });
      if (!access?.permissions.includes(INVITE_PERMISSION)) continue;
      released += await releaseSeats(db, parsed.data.invitationId, workspaceId);
    }
    return { released };
  });
}

/**
 * Gives back the seats of reservations no invitation holds any more: those of an inviteUser that
 * died between reserving them here and committing the invitation in identity (a kill, a lost
 * connection; identity never recorded it, never publishes invitation.sent and never calls
 * release), and those of a revoked invitation whose invitation.revoked has not arrived (a broker
 * outage: the person who revoked it would otherwise be refused a seat they can see is free).
 * Identity, the owner of invitations, says which still hold their seats: recorded and not revoked
 * (an accepted one keeps its seat until invitation.accepted turns it into a membership here), or
 * being recorded now (an inviteUser holds a lock on its invitation from before reserving until
 * it commits); the rest are removed. A late invitation.revoked then removes nothing, and a late
 * invitation.sent never creates a seat. When identity cannot answer, nothing is removed and the
 * reservation is refused as SERVICE_UNAVAILABLE (try again), not PLAN_LIMIT. Answers how many seat
 * rows went back.
 */
async function releaseOrphanedReservations(
  db: Db,
  identity: Pick<IdentityClient, "knownInvitations">,
  organisationId: string,
  workspaceIds: readonly string[],
  exceptInvitationId: string,
  log: FastifyRequest["log"],
): Promise<number> {
  const ids = await reservedInvitationIds(db, organisationId, workspaceIds, exceptInvitationId);
  if (ids.length === 0) return 0;
  let known: Set<string>;
  try {
    known = await identity.knownInvitations(ids);
  } catch (error) {
    log.warn({ err: error }, "identity could not say which reserved invitations it recorded; none released");
    // Whether a seat is free cannot be known: PLAN_LIMIT would tell the inviter to buy seats a
    // revoked invitation may still be holding (chaos run: a revocation, then an identity instance killed).
    throw serviceUnavailable("The identity service is unavailable; try again");
  }
  const orphans = ids.filter((id) => !known.has(id));
  if (orphans.length === 0) return 0;
  const count = await releaseReservations(db, orphans, workspaceIds);
  log.warn(
    { released: count, invitationIds: orphans },
    "seat reservations of invitations identity no longer holds (never recorded, or revoked) released",
  );
  return count;
}
