import type { Db, Tx } from "./client.js";
import type { Prisma, TicketField } from "./generated/client.js";

export async function findTicketField(db: Db, id: string): Promise<TicketField | null> {
  return db.ticketField.findUnique({ where: { id } });
}

/** Another field of the workspace with this name, in any case (names are unique without regard to case). */
export async function fieldNamed(db: Db, workspaceId: string, name: string, exceptId?: string) {
  return db.ticketField.findFirst({
    where: { workspaceId, name: { equals: name, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) },
  });
}

/** The position after the workspace's last field: where a field created without one goes. */
export async function nextFieldPosition(tx: Tx, workspaceId: string): Promise<number> {
  const last = await tx.ticketField.aggregate({ where: { workspaceId }, _max: { position: true } });
  return (last._max.position ?? -1) + 1;
}

/** Removes a field's values from every ticket of its workspace; answers how many tickets had one. */
export async function clearFieldValues(tx: Tx, field: Pick<TicketField, "id" | "workspaceId">): Promise<number> {
  return tx.$executeRaw`
    UPDATE ticket SET field_values = field_values - ${field.id}, updated_at = now()
    WHERE workspace_id = ${field.workspaceId}::uuid AND field_values ? ${field.id}`;
}

/** The workspace's fields in the order of its export (position, then name). */
export async function exportedFields(db: Db, workspaceId: string): Promise<TicketField[]> {
  return db.ticketField.findMany({ where: { workspaceId }, orderBy: [{ position: "asc" }, { name: "asc" }] });
}

export async function insertTicketField(tx: Tx, data: Prisma.TicketFieldUncheckedCreateInput): Promise<TicketField> {
  return tx.ticketField.create({ data });
}

export async function saveTicketField(
  tx: Tx,
  id: string,
  data: Prisma.TicketFieldUncheckedUpdateInput,
): Promise<TicketField> {
  return tx.ticketField.update({ where: { id }, data });
}

export async function deleteTicketFieldRow(tx: Tx, id: string): Promise<void> {
  await tx.ticketField.delete({ where: { id } });
}
