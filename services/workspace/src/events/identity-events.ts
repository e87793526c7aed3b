import { z } from "zod";
import type { EventEnvelope } from "@support/events";
import type { Logger } from "@support/logger";
import type { Tx } from "../db/client.js";
import { addMembership, memberTarget, removeMembership } from "../db/memberships.js";
import { publish, workspaceEvent } from "./publish.js";

/**
 * Identity's facts this service keeps a copy of (docs/adr/0004): people (org role and status,
 * for explainPermission and the users page), pending invitations (counted against seats), and
 * the memberships that accepted invitations create. Other event types are ignored.
 */
const orgRole = z.enum(["ORG_ADMIN", "MEMBER"]);
const status = z.enum(["ACTIVE", "DISABLED", "SUSPENDED"]);
const personData = z.object({
  userId: z.string().uuid().optional(),
  orgRole: orgRole.optional(),
  status: status.optional(),
  email: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
});
const invitationSent = z.object({
  invitationId: z.string().uuid(),
  email: z.string(),
  role: z.enum(["OWNER", "ADMIN", "MEMBER", "CUSTOM"]).nullish(),
  customRoleId: z.string().uuid().nullish(),
  expiresAt: z.string(),
});
const invitationAccepted = z.object({
  invitationId: z.string().uuid(),
  userId: z.string().uuid(),
  role: z.enum(["OWNER", "ADMIN", "MEMBER", "CUSTOM"]).nullish(),
  customRoleId: z.string().uuid().nullish(),
});
const invitationRevoked = z.object({ invitationId: z.string().uuid() });

/** The user an event is about: `data.userId`, else the target when it is a user. */
function userIdOf(event: EventEnvelope, data: { userId?: string }): string | null {
  if (data.userId) return data.userId;
  return event.target.type === "user" && z.string().uuid().safeParse(event.target.id).success ? event.target.id : null;
}

async function upsertPerson(event: EventEnvelope, tx: Tx, logger: Logger): Promise<void> {
  const parsed = personData.safeParse(event.data);
  if (!parsed.success) return logger.warn({ eventId: event.id, type: event.type }, "person event without usable data");
  const userId = userIdOf(event, parsed.data);
  if (!userId) return;
  const { orgRole: role, status: state, email, firstName, lastName } = parsed.data;
  const fields = {
    ...(role ? { orgRole: role } : {}),
    ...(state ? { status: state } : {}),
    ...(email !== undefined ? { email } : {}),
    ...(firstName !== undefined ? { firstName } : {}),
    ...(lastName !== undefined ? { lastName } : {}),
  };
  // identity's signUp names the user only in the event's target label.
  const label = event.target.type === "user" ? event.target.label : null;
  await tx.person.upsert({
    where: { userId },
    create: {
      userId,
      organisationId: event.organisationId,
      ...(firstName || !label ? {} : { firstName: label }),
      ...fields,
    },
    update: fields,
  });
}

/**
 * A deleted user leaves every workspace. Identity refuses to delete an owner (it asks
 * /internal/memberships/owned first), so an owner arrives here only if ownership was handed to
 * them in the moment between that check and the deletion: the workspace then passes to its
 * longest-standing admin, or failing that its longest-standing member, so it keeps an owner.
 */
async function removeUser(event: EventEnvelope, tx: Tx, logger: Logger): Promise<void> {
  const userId = userIdOf(event, personData.safeParse(event.data).data ?? {});
  if (!userId) return;
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
  await tx.person.deleteMany({ where: { userId } });
}

async function acceptInvitation(event: EventEnvelope, tx: Tx, logger: Logger): Promise<void> {
  const parsed = invitationAccepted.safeParse(event.data);
  if (!parsed.success || !event.workspaceId) return logger.warn({ eventId: event.id }, "unusable invitation.accepted");
  const { invitationId, userId, customRoleId } = parsed.data;
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
  const role = custom ? "CUSTOM" : parsed.data.role === "ADMIN" ? "ADMIN" : "MEMBER";
  await addMembership(tx, {
    workspace,
    userId,
    role,
    customRoleId: custom?.id ?? null,
    actor: event.actor,
    // The invitation held the seat since it was sent.
    checkSeats: false,
    via: "invitation",
  });
}

export function identityEventHandler(logger: Logger) {
  return async (event: EventEnvelope, tx: Tx): Promise<void> => {
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
        const parsed = invitationSent.safeParse(event.data);
        if (!parsed.success || !event.workspaceId)
          return logger.warn({ eventId: event.id }, "unusable invitation.sent");
        const workspace = await tx.workspace.findUnique({ where: { id: event.workspaceId } });
        if (!workspace) return;
        const { invitationId, email, customRoleId, expiresAt } = parsed.data;
        const role = customRoleId ? "CUSTOM" : parsed.data.role === "ADMIN" ? "ADMIN" : "MEMBER";
        const fields = { email, role, customRoleId: customRoleId ?? null, expiresAt: new Date(expiresAt) } as const;
        await tx.pendingInvitation.upsert({
          where: { invitationId_workspaceId: { invitationId, workspaceId: workspace.id } },
          create: { invitationId, workspaceId: workspace.id, ...fields },
          update: fields,
        });
        return;
      }
      case "invitation.accepted":
        return acceptInvitation(event, tx, logger);
      case "invitation.revoked": {
        const parsed = invitationRevoked.safeParse(event.data);
        if (!parsed.success) return;
        await tx.pendingInvitation.deleteMany({
          where: {
            invitationId: parsed.data.invitationId,
            ...(event.workspaceId ? { workspaceId: event.workspaceId } : {}),
          },
        });
        return;
      }
      default:
        return;
    }
  };
}
