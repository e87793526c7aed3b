import type { TypedEvent } from "@support/events";
import type { Tx } from "../db/client.js";
import { publish, ticketingEvent } from "./publish.js";

/**
 * `workspace.deleted`: removes every row of the workspace here — tickets with their replies,
 * field values and SLA timers (columns of the ticket), field definitions, the SLA policy, the
 * number counter — and says so with `workspace_data.purged_by_ticketing`, in one transaction.
 * A redelivery finds nothing left and publishes nothing more (the consumer skips known ids).
 */
export async function onWorkspaceDeleted(event: TypedEvent, tx: Tx): Promise<void> {
  if (event.type !== "workspace.deleted" || !event.workspaceId) return;
  const workspaceId = event.workspaceId;
  const replies = await tx.ticketReply.deleteMany({ where: { workspaceId } });
  const tickets = await tx.ticket.deleteMany({ where: { workspaceId } });
  const fields = await tx.ticketField.deleteMany({ where: { workspaceId } });
  const policies = await tx.slaPolicy.deleteMany({ where: { workspaceId } });
  const counters = await tx.workspaceTicketCounter.deleteMany({ where: { workspaceId } });
  await publish(
    tx,
    ticketingEvent(
      "workspace_data.purged_by_ticketing",
      { workspaceId, organisationId: event.organisationId },
      "system",
      { type: "workspace", id: workspaceId, label: event.target.label },
      [],
      { rows: replies.count + tickets.count + fields.count + policies.count + counters.count },
    ),
  );
}
