import { eventActor, type EventType, type TypedEvent } from "@support/events";
import type { Logger } from "@support/logger";
import type { Tx } from "../db/client.js";
import { confirmSeat, releaseSeats } from "../db/invitations.js";
import { rejectPendingOf } from "../db/join-requests.js";
import { findMembership, heirOf, makeOwner, membershipsWithWorkspaces } from "../db/memberships.js";
import { writePersonIfNewer } from "../db/people.js";
import { customRoleIn } from "../db/roles.js";
import { findWorkspace } from "../db/workspaces.js";
import { addMembership, ownershipPassed, removeMembership } from "../memberships.js";
import { publish } from "./publish.js";

/**
 * Identity's facts this service keeps a copy of (docs/adr/0004): people (org role, status and
 * name, for explainPermission and event labels), pending invitations (counted against seats), and
 * the memberships that accepted invitations create. Other event types are ignored.
 */

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
  for (const membership of await membershipsWithWorkspaces(tx, userId)) {
    const { workspace } = membership;
    if (membership.role === "OWNER") {
      const heir = await heirOf(tx, workspace.id, userId);
      if (heir) {
        await makeOwner(tx, workspace.id, heir.userId);
        await publish(
          tx,
          ...(await ownershipPassed(tx, {
            workspace,
            heir,
            previousOwnerId: userId,
            actor: eventActor("system"),
            reason: "owner_deleted",
          })),
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
  await rejectPendingOf(tx, userId);
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
  await releaseSeats(tx, invitationId, event.workspaceId);
  const workspace = await findWorkspace(tx, event.workspaceId);
  if (!workspace) return;
  if (await findMembership(tx, workspace.id, userId)) return;
  // The role chosen at invite time; a custom role deleted since falls back to MEMBER, never OWNER.
  const custom = customRoleId ? await customRoleIn(tx, workspace.id, customRoleId) : null;
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
        // Confirmed: identity recorded it, so the reservation is no orphan (internal/invitations.ts).
        const confirmed = await confirmSeat(tx, invitationId, event.workspaceId, {
          email,
          role,
          customRoleId,
          expiresAt: new Date(expiresAt),
        });
        if (!confirmed)
          logger.debug({ eventId: event.id, invitationId }, "invitation.sent for no reserved seat skipped");
        return;
      }
      case "invitation.accepted":
        return acceptInvitation(event, tx, logger);
      case "invitation.revoked":
        await releaseSeats(tx, event.data.invitationId, event.workspaceId);
        return;
      default:
        return;
    }
  };
}
