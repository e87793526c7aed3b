import type { Db, Tx } from "./client.js";
import type { MemberRole } from "./generated/client.js";

/**
 * Pending invitations: the seats identity's invitations hold here, reserved before identity
 * records them, confirmed by `invitation.sent`, gone with `invitation.accepted` or `.revoked`.
 */

export interface ReservationFields {
  email: string;
  role: MemberRole;
  customRoleId: string | null;
  expiresAt: Date;
}

/** Reserves (or, for a retry, refreshes) an invitation's seat in a workspace. */
export const reserveSeat = (tx: Tx, invitationId: string, workspaceId: string, fields: ReservationFields) =>
  tx.pendingInvitation.upsert({
    where: { invitationId_workspaceId: { invitationId, workspaceId } },
    create: { invitationId, workspaceId, ...fields },
    update: fields,
  });

/** The workspaces of an organisation where an invitation holds a seat. */
export const reservationsOf = (db: Db, invitationId: string, organisationId: string) =>
  db.pendingInvitation.findMany({
    where: { invitationId, workspace: { organisationId } },
    select: { workspaceId: true },
  });

/** Gives back an invitation's seats (in one workspace when given); answers how many. */
export async function releaseSeats(db: Db | Tx, invitationId: string, workspaceId?: string | null): Promise<number> {
  const { count } = await db.pendingInvitation.deleteMany({
    where: { invitationId, ...(workspaceId ? { workspaceId } : {}) },
  });
  return count;
}

/** Invitations holding seats in these workspaces of an organisation (at most 1,000 rows read). */
export async function reservedInvitationIds(
  db: Db,
  organisationId: string,
  workspaceIds: readonly string[],
  exceptInvitationId: string,
): Promise<string[]> {
  const rows = await db.pendingInvitation.findMany({
    where: {
      workspaceId: { in: [...workspaceIds] },
      workspace: { organisationId },
      invitationId: { not: exceptInvitationId },
    },
    select: { invitationId: true },
    take: 1_000,
  });
  return [...new Set(rows.map((row) => row.invitationId))];
}

/** Gives back the seats of these invitations in these workspaces; answers how many. */
export async function releaseReservations(
  db: Db,
  invitationIds: string[],
  workspaceIds: readonly string[],
): Promise<number> {
  const { count } = await db.pendingInvitation.deleteMany({
    where: { invitationId: { in: invitationIds }, workspaceId: { in: [...workspaceIds] } },
  });
  return count;
}

/**
 * Refreshes a reserved seat with what identity recorded, and marks it confirmed (for operators:
 * identity recorded it; the seat check asks identity itself, internal/invitations.ts); never
 * creates one. Answers whether there was a seat.
 */
export async function confirmSeat(
  tx: Tx,
  invitationId: string,
  workspaceId: string,
  fields: ReservationFields,
): Promise<boolean> {
  const { count } = await tx.pendingInvitation.updateMany({
    where: { invitationId, workspaceId },
    data: { ...fields, confirmedAt: new Date() },
  });
  return count > 0;
}
