import type { PageWindow } from "@support/validation";
import type { InvitationKey, InvitationState } from "../domain/invitations.js";
import type { Db, Tx } from "./client.js";
import type { Invitation, InvitationWorkspace, Prisma } from "./generated/client.js";

/** An invitation with the workspaces it adds its invitee to: what the API answers as `Invitation`. */
export type InvitationWithWorkspaces = Invitation & { workspaces: InvitationWorkspace[] };

/** Pending invitations that still hold a seat: not accepted, not revoked, not expired. */
const holdingSeat = (now: Date): Prisma.InvitationWhereInput => ({ status: "PENDING", expiresAt: { gt: now } });

export const invitationById = (db: Db | Tx, id: string): Promise<InvitationWithWorkspaces | null> =>
  db.invitation.findUnique({ where: { id }, include: { workspaces: true } });

/** Another pending invitation of this email in the organisation (besides `exceptId`), if any. */
export const otherPendingInvitation = (
  db: Db | Tx,
  invitation: { organisationId: string; emailNormalized: string },
  now: Date,
  exceptId?: string,
): Promise<{ id: string } | null> =>
  db.invitation.findFirst({
    where: {
      organisationId: invitation.organisationId,
      emailNormalized: invitation.emailNormalized,
      ...(exceptId ? { id: { not: exceptId } } : {}),
      ...holdingSeat(now),
    },
    select: { id: true },
  });

/**
 * Sets `data` on the invitation if it is still PENDING and answers it as it is now; null when an
 * acceptance or a revocation came first (the update is conditional: of two concurrent changes one wins).
 */
export async function updatePendingInvitation(
  tx: Tx,
  id: string,
  data: Prisma.InvitationUpdateManyMutationInput,
): Promise<InvitationWithWorkspaces | null> {
  const { count } = await tx.invitation.updateMany({ where: { id, status: "PENDING" }, data });
  return count === 1 ? tx.invitation.findUniqueOrThrow({ where: { id }, include: { workspaces: true } }) : null;
}

function stateFilter(state: InvitationState | null | undefined, now: Date): Prisma.InvitationWhereInput {
  switch (state) {
    case "PENDING":
      return holdingSeat(now);
    case "EXPIRED":
      return { status: "PENDING", expiresAt: { lte: now } };
    case "ACCEPTED":
    case "REVOKED":
      return { status: state };
    default:
      return {};
  }
}

/** The invitations after (or, backward, before) `key` in the list's order: createdAt descending, id ascending. */
function beyondInvitation([createdAt, id]: InvitationKey, backward: boolean): Prisma.InvitationWhereInput {
  const at = new Date(createdAt);
  return {
    OR: [{ createdAt: backward ? { gt: at } : { lt: at } }, { createdAt: at, id: backward ? { lt: id } : { gt: id } }],
  };
}

/**
 * One page of the organisation's invitations in `state` (all when unset), newest first, limited to
 * those touching `workspaceIds` when given; one more than `size` (is there a next page?).
 */
export function invitationsPage(
  db: Db,
  filter: { organisationId: string; state: InvitationState | null | undefined; workspaceIds?: string[] },
  window: PageWindow<InvitationKey>,
): Promise<InvitationWithWorkspaces[]> {
  const where: Prisma.InvitationWhereInput = {
    organisationId: filter.organisationId,
    ...stateFilter(filter.state, new Date()),
    ...(filter.workspaceIds ? { workspaces: { some: { workspaceId: { in: filter.workspaceIds } } } } : {}),
  };
  return db.invitation.findMany({
    where: window.from ? { AND: [where, beyondInvitation(window.from, window.backward)] } : where,
    include: { workspaces: true },
    // Backward pages read the order reversed; connectionOf puts them back.
    orderBy: window.backward ? [{ createdAt: "asc" }, { id: "desc" }] : [{ createdAt: "desc" }, { id: "asc" }],
    take: window.size + 1,
  });
}

/** Invitation links removed per transaction by a purge (issue 21: no purge in one unbounded transaction). */
export const PURGE_CHUNK_ROWS = 5_000;

/**
 * Removes up to `PURGE_CHUNK_ROWS` of the workspace's invitation links and, in the same
 * transaction, the invitations they leave with no workspace (they were only for this one). Each
 * chunk is whole on its own, so a restart between chunks leaves no orphan behind.
 */
export async function purgeInvitationsChunk(
  tx: Tx,
  workspaceId: string,
  organisationId: string,
): Promise<{ links: number; rows: number }> {
  const invitationIds = (
    await tx.invitationWorkspace.findMany({
      where: { workspaceId },
      select: { invitationId: true },
      take: PURGE_CHUNK_ROWS,
    })
  ).map((row) => row.invitationId);
  if (invitationIds.length === 0) return { links: 0, rows: 0 };
  const links = await tx.invitationWorkspace.deleteMany({
    where: { workspaceId, invitationId: { in: invitationIds } },
  });
  const invitations = await tx.invitation.deleteMany({
    where: { id: { in: invitationIds }, organisationId, workspaces: { none: {} } },
  });
  return { links: invitationIds.length, rows: links.count + invitations.count };
}
