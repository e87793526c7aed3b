import DataLoader from "dataloader";
import type { Db } from "../db/client.js";
import type { Ticket, TicketField, TicketReply } from "../db/generated/client.js";

/** Per-request loaders: one query per batch, however many rows of a page ask. */
export function createLoaders(db: Db) {
  return {
    tickets: new DataLoader<string, Ticket | null>(async (ids) => {
      const rows = await db.ticket.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    replies: new DataLoader<string, TicketReply[]>(async (ticketIds) => {
      const rows = await db.ticketReply.findMany({
        where: { ticketId: { in: [...ticketIds] }, status: { in: ["PUBLISHED", "PENDING_APPROVAL"] } },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      return ticketIds.map((id) => rows.filter((row) => row.ticketId === id));
    }),
    fields: new DataLoader<string, TicketField[]>(async (workspaceIds) => {
      const rows = await db.ticketField.findMany({
        where: { workspaceId: { in: [...workspaceIds] } },
        orderBy: [{ position: "asc" }, { createdAt: "asc" }, { id: "asc" }],
      });
      return workspaceIds.map((id) => rows.filter((row) => row.workspaceId === id));
    }),
  };
}
