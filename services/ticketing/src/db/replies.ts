import { conflict } from "@support/errors";
import type { Db, Tx } from "./client.js";
import type { Prisma, TicketReply } from "./generated/client.js";

export async function findReply(db: Db, id: string): Promise<TicketReply | null> {
  return db.ticketReply.findUnique({ where: { id } });
}

/**
 * Publishes or rejects a reply only while it is still pending: two approvers racing cannot both
 * decide it. CONFLICT when it is not waiting for approval.
 */
export async function decidePendingReply(
  tx: Tx,
  id: string,
  decidedBy: string | null,
  decision: { status: "PUBLISHED" | "REJECTED"; rejectionReason: string | null },
): Promise<TicketReply> {
  const moved = await tx.ticketReply.updateMany({
    where: { id, status: "PENDING_APPROVAL" },
    data: { ...decision, decidedBy, decidedAt: new Date() },
  });
  if (moved.count === 0) throw conflict("This reply is not waiting for approval");
  return tx.ticketReply.findUniqueOrThrow({ where: { id } });
}

export async function insertReply(tx: Tx, data: Prisma.TicketReplyUncheckedCreateInput): Promise<TicketReply> {
  return tx.ticketReply.create({ data });
}
