import {
  createEvent,
  enqueueEvents,
  eventActorFrom,
  topicFor,
  type EventDataOf,
  type EventType,
  type FieldChange,
  type NewEvent,
  type TypedEvent,
} from "@support/events";
import type { Actor } from "@support/actor-context";
import type { Tx } from "../db/client.js";

const TOPIC = topicFor("ticketing");

/** Ticketing's events go through its outbox, in the caller's transaction. */
export async function publish(tx: Tx, ...events: NewEvent[]): Promise<void> {
  await publishEvents(
    tx,
    events.map((event) => createEvent(event)),
  );
}

/** Events already built with `createEvent`, for when another row names one's id (a notification its source). */
export async function publishEvents(tx: Tx, events: readonly TypedEvent[]): Promise<void> {
  await enqueueEvents(tx, TOPIC, events);
}

/** One ticketing event; `data` as the registry (packages/events/src/registry/ticketing.ts) declares for `type`. */
export function ticketingEvent<T extends EventType>(
  type: T,
  scope: { workspaceId: string; organisationId: string },
  actor: Actor | "system",
  target: NewEvent<T>["target"],
  changes: FieldChange[],
  data: EventDataOf<T>,
): NewEvent<T> {
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
  type: "ticket" as const,
  id: ticket.id,
  label: `#${ticket.number} ${ticket.title}`,
});
