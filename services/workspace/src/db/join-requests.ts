import { notFound } from "@support/errors";
import { isUuid, type PagingArguments } from "@support/validation";
import { timeIdCursor, type Page } from "../domain/pages.js";
import type { Db, Tx } from "./client.js";
import type { JoinRequest, JoinRequestStatus, MemberRole, Prisma } from "./generated/client.js";
import { readPage } from "./pages.js";

/** A join request by id; null for a missing one and for what is not an id. */
export const findJoinRequest = async (db: Db, id: string) =>
  isUuid(id) ? db.joinRequest.findUnique({ where: { id } }) : null;

export const pendingJoinRequest = (tx: Tx, workspaceId: string, userId: string) =>
  tx.joinRequest.findFirst({ where: { workspaceId, userId, status: "PENDING" } });

export const createJoinRequest = (tx: Tx, workspaceId: string, userId: string, message: string | null) =>
  tx.joinRequest.create({ data: { workspaceId, userId, message } });

/**
 * Reads a request's status under a row lock, so two decisions taken at once are serialised: the
 * second sees the first one's status instead of both being written.
 */
export async function lockJoinRequest(tx: Tx, id: string): Promise<Pick<JoinRequest, "status">> {
  const rows = await tx.$queryRaw<Array<Pick<JoinRequest, "status">>>`
    SELECT status FROM join_request WHERE id = ${id}::uuid FOR UPDATE`;
  const row = rows[0];
  if (!row) throw notFound("Join request");
  return row;
}

/** Records a decision: by whom (null for an API key), now, with the role an approval gives. */
export const decideJoinRequest = (
  tx: Tx,
  id: string,
  decision:
    | { status: "APPROVED"; role: MemberRole; customRoleId: string | null; decidedBy: string | null }
    | { status: "REJECTED"; decidedBy: string | null },
) => tx.joinRequest.update({ where: { id }, data: { ...decision, decidedAt: new Date() } });

/** A user's pending requests are rejected, by nobody (the user was deleted). */
export const rejectPendingOf = (tx: Tx, userId: string) =>
  tx.joinRequest.updateMany({
    where: { userId, status: "PENDING" },
    data: { status: "REJECTED", decidedAt: new Date() },
  });

/** A page of a workspace's join requests, newest first, of one status or all. */
export function joinRequestsPage(
  db: Db,
  workspaceId: string,
  status: JoinRequestStatus | null | undefined,
  args: PagingArguments,
): Promise<Page<JoinRequest>> {
  const listed: Prisma.JoinRequestWhereInput = { workspaceId, ...(status ? { status } : {}) };
  return readPage<JoinRequest, Prisma.JoinRequestWhereInput, Prisma.JoinRequestOrderByWithRelationInput[]>(
    args,
    timeIdCursor,
    { columns: ["createdAt", "id"], ascending: false, instant: true, keyOf: (r) => [r.createdAt.toISOString(), r.id] },
    ({ where, orderBy, take }) => db.joinRequest.findMany({ where: { AND: [listed, where] }, orderBy, take }),
    () => db.joinRequest.count({ where: listed }),
  );
}
