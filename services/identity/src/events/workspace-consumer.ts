import { eventActor, eventScope, type EventType, type TypedEvent } from "@support/events";
import type { Db, Tx } from "../db/client.js";
import { PURGE_CHUNK_ROWS, purgeInvitationsChunk } from "../db/invitations.js";
import { withdrawMailAbout } from "../mail/outbox.js";
import { publish } from "./publish.js";

/** The types the deletions consumer applies; every other type of `workspace.events` is skipped without a transaction. */
export const WORKSPACE_DELETION_EVENT_TYPES = [
  "workspace.deleted",
  "member.removed",
] as const satisfies readonly EventType[];

/**
 * `member.removed` and `workspace.deleted` withdraw the unsent mail about the workspace for whoever
 * lost it (mail/outbox.ts). `workspace.deleted`: the workspace leaves every invitation into it;
 * an invitation left with no workspace (it was only for this one) is removed. Users stay: they
 * belong to the organisation, not the workspace. `prepare` (before the event's transaction) works
 * in chunks of `PURGE_CHUNK_ROWS` links, each its own transaction, until none is left, and resumes
 * after a restart; `handle`, in the transaction that records the event, removes what is left and
 * publishes `workspace_data.purged_by_identity`, so the purge is reported done only once it is
 * complete.
 */
export function workspaceDeletions(db: Db) {
  /** Rows removed by this process's `prepare` per event id, reported by `handle`. */
  const deletedBefore = new Map<string, number>();

  async function prepare(event: TypedEvent): Promise<void> {
    if (event.type !== "workspace.deleted" || !event.workspaceId) return;
    if (deletedBefore.size > 1_000) deletedBefore.clear(); // ids of duplicates and dead letters: only a count is lost
    const { workspaceId, organisationId } = event;
    for (;;) {
      const chunk = await db.$transaction((tx) => purgeInvitationsChunk(tx, workspaceId, organisationId), {
        timeout: 30_000,
      });
      deletedBefore.set(event.id, (deletedBefore.get(event.id) ?? 0) + chunk.rows);
      if (chunk.links < PURGE_CHUNK_ROWS) return;
    }
  }

  async function handle(event: TypedEvent, tx: Tx): Promise<void> {
    // Someone who left a workspace is not mailed about it any more (a notification held back by
    // a mail server outage), nor is anyone about a deleted one.
    if (event.type === "member.removed" && event.workspaceId) {
      await withdrawMailAbout(tx, {
        workspaceId: event.workspaceId,
        userId: event.data.userId,
        reason: "the recipient left the workspace",
      });
      return;
    }
    if (event.type !== "workspace.deleted" || !event.workspaceId) return;
    const workspaceId = event.workspaceId;
    await withdrawMailAbout(tx, { workspaceId, reason: "the workspace was deleted" });
    let rows = deletedBefore.get(event.id) ?? 0;
    deletedBefore.delete(event.id);
    for (;;) {
      const chunk = await purgeInvitationsChunk(tx, workspaceId, event.organisationId);
      rows += chunk.rows;
      if (chunk.links < PURGE_CHUNK_ROWS) break;
    }
    await publish(tx, {
      type: "workspace_data.purged_by_identity",
      ...eventScope({ id: workspaceId, organisationId: event.organisationId }),
      actor: eventActor("system"),
      target: { type: "workspace" as const, id: workspaceId, label: event.target.label },
      changes: [],
      data: { rows },
    });
  }

  return { eventTypes: WORKSPACE_DELETION_EVENT_TYPES, prepare, handle };
}
