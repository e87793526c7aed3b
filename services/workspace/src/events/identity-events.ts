import type { EventType, TypedEvent } from "@support/events";
import type { Logger } from "@support/logger";
import type { Tx } from "../db/client.js";
import type { Prisma } from "../db/generated/client.js";
import { addMembership, memberTarget, removeMembership } from "../db/memberships.js";
import { publish, workspaceEvent } from "./publish.js";

/**
 * Identity's facts this service keeps a copy of (docs/adr/0004): people (org role, status and
 * name, for explainPermission and event labels), pending invitations (counted against seats), and
 * the memberships that accepted invitations create. Other event types are ignored.
 */

type PersonFields = Pick<Prisma.PersonUncheckedCreateInput, "orgRole" | "status" | "email" | "firstName" | "lastName">;

/**
 * Writes identity's state of one user into the person copy if it is newer (a greater
 * `aggregateVersion`) than what the copy holds; an older event, delivered late, changes nothing.
 */
async function writePersonIfNewer(
  tx: Tx,
  person: { userId: string; organisationId: string; userVersion: number; deletedAt?: Date },
  fields: PersonFields,
): Promise<boolean> {
  const { userId, userVersion } = person;
  const update = () =>
    tx.person.updateMany({ where: { userId, userVersion: { lt: userVersion } }, data: { ...fields, ...person } });
  if ((await update()).count > 0) return true;
  const created = await tx.person.createMany({ data: [{ ...fields, ...person }], skipDuplicates: true });
  if (created.count > 0) return true;
  // Another transaction created the row since the update above: compare with what it wrote.
  return (await update()).count > 0;
}

type UserStateEvent = TypedEvent<
  "user.signed_up" | "user.created" | "user.org_role_changed" | "user.status_changed" | "user.updated"
>;

async function upsertPerson(event: UserStateEvent, tx: Tx, logger: Logger): Promise<void> {
  const { userId, aggregateVersion, ...fields } = event.data;
  const applied = await writePersonIfNewer(
    tx,
    { userId, organisationId: event.organisationId, userVersion: aggregateVersion },
    fields,
  );
  if (!applied)
    logger.debug({ eventId: event.id, type: event.type, userId, aggregateVersion }, "older user event skipped");
}

/**
 * A deleted user leaves every workspace. Identity refuses to delete an owner (it asks
 * /internal/memberships/owned first), so an owner arrives here only if ownership was handed to
 * them in the moment between that check and the deletion: the workspace then passes to its
 * longest-standing admin, or failing that supervisor, or failing that member, so it keeps an owner.
 */
async function removeUser(event: TypedEvent<"user.deleted">, tx: Tx, logger: Logger): Promise<void> {
  const { userId } = event.data;
  const memberships = await tx.membership.findMany({ where: { userId }, include: { workspace: true } });
  for (const membership of memberships) {
    const { workspace } = membership;
    if (membership.role === "OWNER") {
      const heir =
        (await tx.membership.findFirst({
          where: { workspaceId: workspace.id, role: "ADMIN" },
          orderBy: { createdAt: "asc" },
        })) ??
        (await tx.membership.findFirst({
          where: { workspaceId: workspace.id, role: "SUPERVISOR" },
          orderBy: { createdAt: "asc" },
        })) ??
        (await tx.membership.findFirst({
          where: { workspaceId: workspace.id, userId: { not: userId } },
          orderBy: { createdAt: "asc" },
        }));
      if (heir) {
        await tx.membership.update({
          where: { workspaceId_userId: { workspaceId: workspace.id, userId: heir.userId } },
          data: { role: "OWNER", customRoleId: null, granted: [], denied: [] },
        });
        await publish(
          tx,
          workspaceEvent(
            workspace,
            { type: "system" },
            "ownership.transferred",
            { type: "workspace", id: workspace.id, label: workspace.name },
            [{ field: "ownerId", old: userId, new: heir.userId }],
            {
              userId: heir.userId,
              role: "OWNER",
              customRoleId: null,
              previousOwnerId: userId,
              reason: "owner_deleted",
            },
          ),
          workspaceEvent(
            workspace,
            { type: "system" },
            "member.role_changed",
            await memberTarget(tx, heir.userId),
            [{ field: "role", old: heir.role, new: "OWNER" }],
            { userId: heir.userId, role: "OWNER", customRoleId: null },
          ),
        );
      } else {
        logger.error(
          { workspaceId: workspace.id, userId },
          "deleted user owned a workspace with no other member to inherit it",
        );
      }
    }
    await removeMembership(tx, { workspace, membership, actor: event.actor, reason: "user_deleted" });
  }
  await tx.joinRequest.updateMany({
    where: { userId, status: "PENDING" },
    data: { status: "REJECTED", decidedAt: new Date() },
  });
  // A tombstone rather than no row: a user.* event delivered after this one must not bring them back.
  await writePersonIfNewer(
    tx,
    {
      userId,
      organisationId: event.organisationId,
      userVersion: event.data.aggregateVersion,
      deletedAt: new Date(event.occurredAt),
    },
    { email: null, firstName: null, lastName: null },
  );
}

async function acceptInvitation(event: TypedEvent<"invitation.accepted">, tx: Tx, logger: Logger): Promise<void> {
  if (!event.workspaceId) return logger.warn({ eventId: event.id }, "invitation.accepted without a workspace");
  const { invitationId, userId, customRoleId } = event.data;
  await tx.pendingInvitation.deleteMany({ where: { invitationId, workspaceId: event.workspaceId } });
  const workspace = await tx.workspace.findUnique({ where: { id: event.workspaceId } });
  if (!workspace) return;
  const existing = await tx.membership.findUnique({
    where: { workspaceId_userId: { workspaceId: workspace.id, userId } },
  });
  if (existing) return;
  // The role chosen at invite time; a custom role deleted since falls back to MEMBER, never OWNER.
  const custom = customRoleId
    ? await tx.customRole.findFirst({ where: { id: customRoleId, workspaceId: workspace.id } })
    : null;
  await addMembership(tx, {
    workspace,
    userId,
    role: custom ? "CUSTOM" : event.data.role,
    customRoleId: custom?.id ?? null,
    actor: event.actor,
    // The invitation held the seat since it was sent.
    checkSeats: false,
    via: "invitation",
  });
}

/** The types `identityEventHandler` applies; every other type of `identity.events` is skipped without a transaction. */
export const IDENTITY_EVENT_TYPES = [
  "user.signed_up",
  "user.created",
  "user.org_role_changed",
  "user.status_changed",
  "user.updated",
  "user.deleted",
  "invitation.sent",
  "invitation.accepted",
  "invitation.revoked",
] as const satisfies readonly EventType[];

export function identityEventHandler(logger: Logger) {
  return async (event: TypedEvent, tx: Tx): Promise<void> => {
    switch (event.type) {
      case "user.signed_up":
      case "user.created":
      case "user.org_role_changed":
      case "user.status_changed":
      case "user.updated":
        return upsertPerson(event, tx, logger);
      case "user.deleted":
        return removeUser(event, tx, logger);
      case "invitation.sent": {
        if (!event.workspaceId) return logger.warn({ eventId: event.id }, "invitation.sent without a workspace");
        // The seat reservation wrote the row before identity recorded the invitation; this only
        // refreshes it. Never creating it means a late invitation.sent, delivered after the
        // invitation was accepted or revoked, cannot bring back a seat that was given back.
        const { invitationId, email, customRoleId, expiresAt } = event.data;
        const role = customRoleId ? "CUSTOM" : event.data.role;
        const { count } = await tx.pendingInvitation.updateMany({
          where: { invitationId, workspaceId: event.workspaceId },
          // Confirmed: identity recorded it, so the reservation is no orphan (internal/invitations.ts).
          data: { email, role, customRoleId, expiresAt: new Date(expiresAt), confirmedAt: new Date() },
        });
        if (count === 0)
          logger.debug({ eventId: event.id, invitationId }, "invitation.sent for no reserved seat skipped");
        return;
      }
      case "invitation.accepted":
        return acceptInvitation(event, tx, logger);
      case "invitation.revoked":
        await tx.pendingInvitation.deleteMany({
          where: {
            invitationId: event.data.invitationId,
            ...(event.workspaceId ? { workspaceId: event.workspaceId } : {}),
          },
        });
        return;
      default:
        return;
    }
  };
}
