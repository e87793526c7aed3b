import type { EventType, TypedEvent } from "@support/events";
import type { Tx } from "../db/client.js";

/** The types `onPurged` applies; every other event of the three topics is skipped without a transaction. */
export const PURGED_EVENT_TYPES = [
  "workspace_data.purged_by_identity",
  "workspace_data.purged_by_ticketing",
  "workspace_data.purged_by_billing",
] as const satisfies readonly EventType[];

/** Records each service's `workspace_data.purged_by_*` on the deletion it belongs to (idempotent). */
export async function onPurged(event: TypedEvent, tx: Tx): Promise<void> {
  if (!event.workspaceId) return;
  const at = new Date(event.occurredAt);
  const where = { workspaceId: event.workspaceId };
  switch (event.type) {
    case "workspace_data.purged_by_identity":
      await tx.workspaceDeletion.updateMany({
        where: { ...where, identityPurgedAt: null },
        data: { identityPurgedAt: at },
      });
      return;
    case "workspace_data.purged_by_ticketing":
      await tx.workspaceDeletion.updateMany({
        where: { ...where, ticketingPurgedAt: null },
        data: { ticketingPurgedAt: at },
      });
      return;
    case "workspace_data.purged_by_billing":
      await tx.workspaceDeletion.updateMany({
        where: { ...where, billingPurgedAt: null },
        data: { billingPurgedAt: at },
      });
      return;
    default:
      return;
  }
}
