import { outboxPublisher } from "@support/events";

/**
 * Ticketing's events go through its outbox (`ticketing.events`), in the caller's transaction:
 * `await publish(tx, { type, ...eventScope(workspaceOf(ticket)), actor: eventActor(ctx.actor), … })`.
 * Answers the built events, for a row that names its source event (a notification).
 */
export const publish = outboxPublisher("ticketing");

/** The workspace a row of this service belongs to, as `eventScope` takes it. */
export const workspaceOf = (row: { workspaceId: string; organisationId: string }) => ({
  id: row.workspaceId,
  organisationId: row.organisationId,
});

export const ticketTarget = (ticket: { id: string; number: number; title: string }) => ({
  type: "ticket" as const,
  id: ticket.id,
  label: `#${ticket.number} ${ticket.title}`,
});

export const fieldTarget = (field: { id: string; name: string }) => ({
  type: "ticket_field" as const,
  id: field.id,
  label: field.name,
});
