import { eventScope, type EventActor, type EventDataOf, type NewEvent } from "@support/events";
import { assertSeatsFor } from "./domain/members.js";
import { publish } from "./events/publish.js";
import type { Tx } from "./db/client.js";
import type { MemberRole, Membership } from "./db/generated/client.js";
import { lockWorkspace, memberTarget, seatUse } from "./db/memberships.js";

/**
 * The membership changes every path shares — mutations, join approvals, identity's internal
 * calls, invitations accepted, users deleted — each with its event, in the caller's transaction.
 */

interface WorkspaceRef {
  id: string;
  organisationId: string;
}

/** What changed in a member's role, old -> new, for the activity log. */
function roleChanges(
  before: { role: MemberRole | null; customRoleId: string | null },
  after: { role: MemberRole | null; customRoleId: string | null },
) {
  return [
    ...(before.role !== after.role ? [{ field: "role", old: before.role, new: after.role }] : []),
    ...(before.customRoleId !== after.customRoleId
      ? [{ field: "customRoleId", old: before.customRoleId, new: after.customRoleId }]
      : []),
  ];
}

const NO_ROLE = { role: null, customRoleId: null };

export async function addMembership(
  tx: Tx,
  input: {
    workspace: WorkspaceRef;
    userId: string;
    role: MemberRole;
    customRoleId: string | null;
    actor: EventActor;
    /** False where the seat was already held, e.g. by an accepted invitation. */
    checkSeats: boolean;
    via: EventDataOf<"member.added">["via"];
  },
): Promise<Membership> {
  const locked = await lockWorkspace(tx, input.workspace.id);
  if (input.checkSeats) assertSeatsFor(1, await seatUse(tx, locked));
  const { userId, role, customRoleId } = input;
  const membership = await tx.membership.create({
    data: { workspaceId: input.workspace.id, userId, role, customRoleId },
  });
  await publish(tx, {
    type: "member.added",
    ...eventScope(input.workspace),
    actor: input.actor,
    target: await memberTarget(tx, userId),
    changes: roleChanges(NO_ROLE, { role, customRoleId }),
    data: { userId, role, customRoleId, via: input.via },
  });
  return membership;
}

export async function removeMembership(
  tx: Tx,
  input: {
    workspace: WorkspaceRef;
    membership: Membership;
    actor: EventActor;
    reason: EventDataOf<"member.removed">["reason"];
  },
): Promise<void> {
  const { workspace, membership } = input;
  const { userId, role, customRoleId } = membership;
  await tx.teamMember.deleteMany({ where: { userId, team: { workspaceId: workspace.id } } });
  await tx.membership.delete({ where: { workspaceId_userId: { workspaceId: workspace.id, userId } } });
  await publish(tx, {
    type: "member.removed",
    ...eventScope(workspace),
    actor: input.actor,
    target: await memberTarget(tx, userId),
    changes: roleChanges(membership, NO_ROLE),
    data: { userId, role, customRoleId, reason: input.reason },
  });
}

export async function changeMembershipRole(
  tx: Tx,
  input: {
    workspace: WorkspaceRef;
    membership: Membership;
    role: MemberRole;
    customRoleId: string | null;
    actor: EventActor;
  },
): Promise<Membership> {
  const { workspace, membership, role, customRoleId } = input;
  const updated = await tx.membership.update({
    where: { workspaceId_userId: { workspaceId: workspace.id, userId: membership.userId } },
    data: { role, customRoleId },
  });
  const changes = roleChanges(membership, { role, customRoleId });
  if (changes.length > 0) {
    await publish(tx, {
      type: "member.role_changed",
      ...eventScope(workspace),
      actor: input.actor,
      target: await memberTarget(tx, membership.userId),
      changes,
      data: { userId: membership.userId, role, customRoleId },
    });
  }
  return updated;
}

/**
 * `heir` has just become the owner in place of `previousOwnerId` (db/memberships.ts,
 * `makeOwner`): the ownership event, and the heir's role change, for the caller to publish with
 * whatever became of the previous owner.
 */
export async function ownershipPassed(
  tx: Tx,
  input: {
    workspace: WorkspaceRef & { name: string };
    heir: Membership;
    previousOwnerId: string;
    actor: EventActor;
    reason: EventDataOf<"ownership.transferred">["reason"];
  },
): Promise<[NewEvent<"ownership.transferred">, NewEvent<"member.role_changed">]> {
  const { workspace, heir, previousOwnerId, actor } = input;
  const owner = { role: "OWNER", customRoleId: null } as const;
  return [
    {
      type: "ownership.transferred",
      ...eventScope(workspace),
      actor,
      target: { type: "workspace", id: workspace.id, label: workspace.name },
      changes: [{ field: "ownerId", old: previousOwnerId, new: heir.userId }],
      data: { userId: heir.userId, ...owner, previousOwnerId, reason: input.reason },
    },
    {
      type: "member.role_changed",
      ...eventScope(workspace),
      actor,
      target: await memberTarget(tx, heir.userId),
      changes: roleChanges(heir, owner),
      data: { userId: heir.userId, ...owner },
    },
  ];
}
