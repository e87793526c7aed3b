import { createEvent, enqueueEvents, eventActorFrom, topicFor, type FieldChange, type NewEvent } from "@support/events";
import type { Actor } from "@support/actor-context";
import type { Tx } from "../db/client.js";

const TOPIC = topicFor("ticketing");

/** Ticketing's events go through its outbox, in the caller's transaction. */
export async function publish(tx: Tx, ...events: NewEvent[]): Promise<void> {
  await enqueueEvents(tx, TOPIC, events.map(createEvent));
}

/**
 * One ticketing event; every type is declared in packages/events/src/registry/ticketing.ts
 * (typed `createEvent` arrives with the spine work).
 */
export function ticketingEvent(
  type: string,
  scope: { workspaceId: string; organisationId: string },
  actor: Actor | "system",
  target: { type: string; id: string; label: string | null },
  changes: FieldChange[],
  data: Record<string, unknown>,
): NewEvent {
  return {
    type,
    workspaceId: scope.workspaceId,
    organisationId: scope.organisationId,
    actor: actor === "system" ? { type: "system" } : eventActorFrom(actor),
    target,
    changes,
    data,
  };
}

export const ticketTarget = (ticket: { id: string; number: number; title: string }) => ({
  type: "ticket",
  id: ticket.id,
  label: `#${ticket.number} ${ticket.title}`,
});
