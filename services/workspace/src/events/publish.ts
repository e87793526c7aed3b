import {
  createEvent,
  enqueueEvents,
  topicFor,
  type EventActor,
  type EventDataOf,
  type EventType,
  type FieldChange,
  type NewEvent,
} from "@support/events";
import type { Tx } from "../db/client.js";

const TOPIC = topicFor("workspace");

/** Workspace's events go through its outbox, in the caller's transaction. */
export async function publish(tx: Tx, ...events: NewEvent[]): Promise<void> {
  await enqueueEvents(
    tx,
    TOPIC,
    events.map((event) => createEvent(event)),
  );
}

/** One event about a workspace's object; `changes` old -> new, `data` as the registry declares for `type`. */
export function workspaceEvent<T extends EventType>(
  workspace: { id: string; organisationId: string },
  actor: EventActor,
  type: T,
  target: NewEvent<T>["target"],
  changes: FieldChange[],
  data: EventDataOf<T>,
): NewEvent<T> {
  return { type, workspaceId: workspace.id, organisationId: workspace.organisationId, actor, target, changes, data };
}
