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
import { permissionsMayChange } from "./permission-changes.js";

const TOPIC = topicFor("workspace");

/**
 * Workspace's events go through its outbox, in the caller's transaction; the workspaces they name
 * are invalidated in every permission cache (cache.invalidations) once the request or consumer
 * transaction is done.
 */
export async function publish(tx: Tx, ...events: NewEvent[]): Promise<void> {
  for (const event of events) permissionsMayChange(event.workspaceId);
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
