import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError, ErrorCode, forbidden, invalidInput, isAppError, notFound } from "@support/errors";
import { instantText } from "@support/validation";
import type { Db } from "../db/client.js";
import type { IdentityPeopleClient } from "../clients/identity-people.js";
import { lockWorkspace, seatUse } from "../db/memberships.js";
import { assertMayGive, assertSeatsFor, managerOf } from "../domain/members.js";
import { loadAccess } from "../resolvers/access.js";
import { customRoleOf } from "../resolvers/roles.js";

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
  identityFor: (request: FastifyRequest) => Pick<IdentityPeopleClient, "knownInvitations">,
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
            const access = await loadAccess(tx, actor, entry.workspaceId);
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
              const member = await tx.membership.findUnique({
                where: { workspaceId_userId: { workspaceId: entry.workspaceId, userId } },
                select: { userId: true },
              });
              if (member) {
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
            await tx.pendingInvitation.upsert({
              where: { invitationId_workspaceId: { invitationId, workspaceId: entry.workspaceId } },
              create: { invitationId, workspaceId: entry.workspaceId, ...fields },
              update: fields,
            });
          }
        });
      try {
        await reserve();
      } catch (error) {
        // Seats held by reservations an inviteUser left behind when it died go back, once.
        if (!(isAppError(error) && error.code === ErrorCode.PLAN_LIMIT)) throw error;
        const released = await releaseOrphanedReservations(
          db,
          identityFor(request),
          actor.organisationId,
          workspaces.map((w) => w.workspaceId),
          invitationId,
          request.log,
        );
        if (released === 0) throw error;
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
    const rows = await db.pendingInvitation.findMany({
      where: { invitationId: parsed.data.invitationId, workspace: { organisationId: actor.organisationId } },
      select: { workspaceId: true },
    });
    let released = 0;
    for (const { workspaceId } of rows) {
      const access = await loadAccess(db, actor, workspaceId).catch((error: unknown) => {
        if (isAppError(error)) return null;
        throw error;
      });
      if (!access?.permissions.includes(INVITE_PERMISSION)) continue;
      const { count } = await db.pendingInvitation.deleteMany({
        where: { invitationId: parsed.data.invitationId, workspaceId },
      });
      released += count;
    }
    return { released };
  });
}

/**
 * Gives back the seats of reservations whose inviteUser died between reserving them here and
 * committing the invitation in identity (a kill, a lost connection): identity never recorded
 * them, never publishes invitation.sent and never calls release, so they would hold a seat until
 * they expire (days). Only unconfirmed ones can be such (invitation.sent confirms the others);
 * identity, the owner of invitations, says which still hold their seats: recorded and not revoked,
 * or being recorded now (an inviteUser holds a lock on its invitation from before reserving until
 * it commits); the rest are removed. That also frees an unconfirmed reservation of an invitation
 * revoked while the broker was away (neither its invitation.sent nor its invitation.revoked has
 * arrived); one whose invitation.sent arrived waits for invitation.revoked. When identity cannot answer, nothing is removed: the seat check stays strict.
 * Answers how many seat rows went back.
 */
async function releaseOrphanedReservations(
  db: Db,
  identity: Pick<IdentityPeopleClient, "knownInvitations">,
  organisationId: string,
  workspaceIds: readonly string[],
  exceptInvitationId: string,
  log: FastifyRequest["log"],
): Promise<number> {
  const unconfirmed = await db.pendingInvitation.findMany({
    where: {
      workspaceId: { in: [...workspaceIds] },
      workspace: { organisationId },
      confirmedAt: null,
      invitationId: { not: exceptInvitationId },
    },
    select: { invitationId: true },
    take: 1_000,
  });
  if (unconfirmed.length === 0) return 0;
  const ids = [...new Set(unconfirmed.map((row) => row.invitationId))];
  let known: Set<string>;
  try {
    known = await identity.knownInvitations(ids);
  } catch (error) {
    log.warn({ err: error }, "identity could not say which reserved invitations it recorded; none released");
    return 0;
  }
  const orphans = ids.filter((id) => !known.has(id));
  if (orphans.length === 0) return 0;
  const { count } = await db.pendingInvitation.deleteMany({
    where: { invitationId: { in: orphans }, workspaceId: { in: [...workspaceIds] }, confirmedAt: null },
  });
  log.warn(
    { released: count, invitationIds: orphans },
    "seat reservations of invitations identity never recorded released",
  );
  return count;
}
