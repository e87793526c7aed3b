import type { EventActor, EventDataOf } from "@support/events";
import { assertSeatsFor, type SeatUse } from "../domain/members.js";
import { publish, workspaceEvent } from "../events/publish.js";
import type { Db, Tx } from "./client.js";
import type { MemberRole, Membership } from "./generated/client.js";

interface WorkspaceRef {
  id: string;
  organisationId: string;
}

/** Members and live pending invitations of a workspace, against its seats. */
export async function seatUse(db: Db | Tx, workspace: { id: string; seats: number }): Promise<SeatUse> {
  const [members, pendingInvitations] = await Promise.all([
    db.membership.count({ where: { workspaceId: workspace.id } }),
    db.pendingInvitation.count({ where: { workspaceId: workspace.id, expiresAt: { gt: new Date() } } }),
  ]);
  return { seats: workspace.seats, members, pendingInvitations };
}

/**
 * Serialises membership-creating writes of one workspace, so two approvals cannot both take
 * the last seat. Returns the current seats.
 */
export async function lockWorkspace(tx: Tx, workspaceId: string): Promise<{ id: string; seats: number }> {
  const rows = await tx.$queryRaw<Array<{ id: string; seats: number }>>`
    SELECT id, seats FROM workspace WHERE id = ${workspaceId}::uuid FOR UPDATE`;
  const row = rows[0];
  if (!row) throw new Error(`workspace ${workspaceId} vanished`);
  return row;
}

/** "First Last" (or the email) from the person copy, for event targets. */
export async function personLabel(db: Db | Tx, userId: string): Promise<string | null> {
  const person = await db.person.findUnique({ where: { userId } });
  if (!person) return null;
  const name = [person.firstName, person.lastName].filter(Boolean).join(" ");
  return name || person.email || null;
}

export const memberTarget = async (db: Db | Tx, userId: string) => ({
  type: "member" as const,
  id: userId,
  label: await personLabel(db, userId),
});

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
  const membership = await tx.membership.create({
    data: {
      workspaceId: input.workspace.id,
      userId: input.userId,
      role: input.role,
      customRoleId: input.customRoleId,
    },
  });
  await publish(
    tx,
    workspaceEvent(
      input.workspace,
      input.actor,
      "member.added",
      await memberTarget(tx, input.userId),
      [
        { field: "role", old: null, new: input.role },
        ...(input.customRoleId ? [{ field: "customRoleId", old: null, new: input.customRoleId }] : []),
      ],
      { userId: input.userId, role: input.role, customRoleId: input.customRoleId, via: input.via },
    ),
  );
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
  await tx.teamMember.deleteMany({ where: { userId: membership.userId, team: { workspaceId: workspace.id } } });
  await tx.membership.delete({
    where: { workspaceId_userId: { workspaceId: workspace.id, userId: membership.userId } },
  });
  await publish(
    tx,
    workspaceEvent(
      workspace,
      input.actor,
      "member.removed",
      await memberTarget(tx, membership.userId),
      [
        { field: "role", old: membership.role, new: null },
        ...(membership.customRoleId ? [{ field: "customRoleId", old: membership.customRoleId, new: null }] : []),
      ],
      { userId: membership.userId, role: membership.role, customRoleId: membership.customRoleId, reason: input.reason },
    ),
  );
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
  const { workspace, membership } = input;
  const updated = await tx.membership.update({
    where: { workspaceId_userId: { workspaceId: workspace.id, userId: membership.userId } },
    data: { role: input.role, customRoleId: input.customRoleId },
  });
  const changes = [
    ...(membership.role !== input.role ? [{ field: "role", old: membership.role, new: input.role }] : []),
    ...(membership.customRoleId !== input.customRoleId
      ? [{ field: "customRoleId", old: membership.customRoleId, new: input.customRoleId }]
      : []),
  ];
  if (changes.length > 0) {
    await publish(
      tx,
      workspaceEvent(
        workspace,
        input.actor,
        "member.role_changed",
        await memberTarget(tx, membership.userId),
        changes,
        {
          userId: membership.userId,
          role: input.role,
          customRoleId: input.customRoleId,
        },
      ),
    );
  }
  return updated;
}
