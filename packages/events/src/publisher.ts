import type { Actor } from "@support/actor-context";
import { createEvent, eventActorFrom, topicFor, type EventActor, type NewEvent } from "./envelope.js";
import { enqueueEvents, type SqlTransaction } from "./outbox.js";
import type { TypedEvent } from "./registry/index.js";

/** Publishes events in the caller's transaction: `await publish(tx, { type, ...eventScope(w), … })`. */
export type Publish = (tx: SqlTransaction, ...events: NewEvent[]) => Promise<TypedEvent[]>;

/**
 * The one way a service publishes: its events, written as `NewEvent` object literals, built and
 * checked against the registry and put in its outbox (topic `<service>.events`) inside the
 * caller's transaction, so they go out if and only if the change commits. Answers the built
 * events (their ids, for a row that names its source event). `beforeEnqueue` sees them first
 * (the workspace service marks the workspaces whose permission caches must be invalidated).
 */
export function outboxPublisher(
  service: string,
  options: { beforeEnqueue?: (events: readonly TypedEvent[]) => void } = {},
): Publish {
  const topic = topicFor(service);
  return async (tx, ...newEvents) => {
    const events = newEvents.map((event) => createEvent(event));
    options.beforeEnqueue?.(events);
    await enqueueEvents(tx, topic, events);
    return events;
  };
}

/** The workspace and organisation an event is about, from the workspace it concerns. */
export const eventScope = (workspace: { id: string; organisationId: string }) => ({
  workspaceId: workspace.id,
  organisationId: workspace.organisationId,
});

/** Who an event names as its actor: the request's actor, or the service itself ("system"). */
export const eventActor = (actor: Actor | "system"): EventActor =>
  actor === "system" ? { type: "system" } : eventActorFrom(actor);
