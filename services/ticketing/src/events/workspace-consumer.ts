import { eventActor, eventScope, type EventType, type TypedEvent } from "@support/events";
import type { Db, Tx } from "../db/client.js";
import { deleteTicketChunk, deleteWorkspaceRows } from "../db/workspace-data.js";
import { publish } from "./publish.js";

/** The types the deletions consumer applies; every other type of `workspace.events` is skipped without a transaction. */
export const WORKSPACE_DELETION_EVENT_TYPES = ["workspace.deleted"] as const satisfies readonly EventType[];

/**
 * Tickets one purge statement deletes, their replies with them (ON DELETE CASCADE, through the
 * replies' ticket index). Each statement is its own short transaction, so a workspace with
 * hundreds of thousands of tickets is purged in many small steps instead of one transaction that
 * outlives any timeout (issue 21).
 */
export const PURGE_CHUNK_TICKETS = 5_000;

/**
 * `workspace.deleted`: removes every row of the workspace here — tickets with their replies and
 * notifications (both ON DELETE CASCADE), field values and SLA timers (columns of the ticket),
 * field definitions, the SLA policy, the number counter — and says so with
 * `workspace_data.purged_by_ticketing`.
 *
 * `prepare` (run by the consumer before the event's transaction) deletes tickets with their
 * replies, `PURGE_CHUNK_TICKETS` at a time, each chunk committed alone, until none is left. A restart halfway
 * re-delivers the event, whose `prepare` continues with what is left. Only then does `handle`, in
 * the transaction that records the event as processed, remove the few remaining rows and publish
 * `workspace_data.purged_by_ticketing`, so the deletion is reported done only once everything is
 * gone. A redelivery after that finds its id recorded and publishes nothing more.
 */
export function workspaceDeletions(db: Db) {
  /** Tickets deleted by this process's `prepare` per event id (their cascaded replies are not counted), reported by `handle`. */
  const deletedBefore = new Map<string, number>();

  async function prepare(event: TypedEvent): Promise<void> {
    if (event.type !== "workspace.deleted" || !event.workspaceId) return;
    if (deletedBefore.size > 1_000) deletedBefore.clear(); // ids of duplicates and dead letters: only a count is lost
    let rows = deletedBefore.get(event.id) ?? 0;
    for (;;) {
      // One statement, one implicit transaction: bounded work, nothing held across chunks.
      const deleted = await deleteTicketChunk(db, event.workspaceId, PURGE_CHUNK_TICKETS);
      rows += deleted;
      deletedBefore.set(event.id, rows);
      if (deleted < PURGE_CHUNK_TICKETS) break;
    }
  }

  async function handle(event: TypedEvent, tx: Tx): Promise<void> {
    if (event.type !== "workspace.deleted" || !event.workspaceId) return;
    const workspaceId = event.workspaceId;
    const rows = await deleteWorkspaceRows(tx, workspaceId);
    const before = deletedBefore.get(event.id) ?? 0;
    deletedBefore.delete(event.id);
    await publish(tx, {
      type: "workspace_data.purged_by_ticketing",
      ...eventScope({ id: workspaceId, organisationId: event.organisationId }),
      actor: eventActor("system"),
      target: { type: "workspace", id: workspaceId, label: event.target.label },
      changes: [],
      data: { rows: before + rows },
    });
  }

  return { eventTypes: WORKSPACE_DELETION_EVENT_TYPES, prepare, handle };
}
