import {
  createEvent,
  enqueueEvents,
  topicFor,
  type EventActor,
  type FieldChange,
  type NewEvent,
} from "@support/events";
import type { Tx } from "../db/client.js";

const TOPIC = topicFor("workspace");

/** Workspace's events go through its outbox, in the caller's transaction. */
export async function publish(tx: Tx, ...events: NewEvent[]): Promise<void> {
  await enqueueEvents(tx, TOPIC, events.map(createEvent));
}

/** One event about a workspace's object; `changes` old -> new, `data` for consumers. */
export function workspaceEvent(
  workspace: { id: string; organisationId: string },
  actor: EventActor,
  type: string,
  target: { type: string; id: string; label: string | null },
  changes: FieldChange[] = [],
  data: Record<string, unknown> = {},
): NewEvent {
  return { type, workspaceId: workspace.id, organisationId: workspace.organisationId, actor, target, changes, data };
}
