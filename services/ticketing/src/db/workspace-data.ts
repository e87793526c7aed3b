import type { Db, Tx } from "./client.js";

/** Deletes up to `limit` of a workspace's tickets (their replies and notifications cascade); answers how many. */
export async function deleteTicketChunk(db: Db, workspaceId: string, limit: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM ticket WHERE id IN (
      SELECT id FROM ticket WHERE workspace_id = ${workspaceId}::uuid LIMIT ${limit}
    )`;
}

/** Deletes every row of a workspace here: replies, tickets, fields, the SLA policy, the counter; answers how many. */
export async function deleteWorkspaceRows(tx: Tx, workspaceId: string): Promise<number> {
  const replies = await tx.ticketReply.deleteMany({ where: { workspaceId } });
  const tickets = await tx.ticket.deleteMany({ where: { workspaceId } });
  const fields = await tx.ticketField.deleteMany({ where: { workspaceId } });
  const policies = await tx.slaPolicy.deleteMany({ where: { workspaceId } });
  const counters = await tx.workspaceTicketCounter.deleteMany({ where: { workspaceId } });
  return replies.count + tickets.count + fields.count + policies.count + counters.count;
}
