import type { EventType } from "@support/events";
import { isUuid } from "@support/validation";
import type { AuditContext } from "../context.js";
import type { EntryRow } from "../db/entries.js";
import { labelsOf } from "../db/labels.js";
import { summaryOf } from "../domain/render.js";
import type { ActivityEntryResolvers } from "../generated/graphql.js";

export const ActivityEntry: ActivityEntryResolvers = {
  id: (entry) => entry.eventId,
  summary: (entry) =>
    summaryOf({
      type: entry.action as EventType,
      target: { type: entry.targetType, id: entry.targetId, label: targetLabelOf(entry) },
    }),
  actor: (entry) => ({
    type: entry.actorType,
    id: entry.actorId,
    label: entry.actorLabel ?? (entry.actorId ? (entry.labels?.get(entry.actorId) ?? null) : null),
  }),
  target: (entry) => ({ type: entry.targetType, id: entry.targetId, label: targetLabelOf(entry) }),
  changes: (entry) =>
    changesOf(entry).map((change) => ({
      field: change.field,
      old: valueOf(change.old),
      new: valueOf(change.new),
      oldLabel: labelOf(entry, change.old),
      newLabel: labelOf(entry, change.new),
    })),
  occurredAt: (entry) => entry.occurredAt,
  redacted: (entry) => entry.redacted === true,
};

/** Target types whose unlabelled entries are shown with their workspace's name (the id is the workspace's). */
const WORKSPACE_TARGETS = new Set(["billing_account", "workspace"]);

/**
 * Names for what a page holds as bare ids (db/labels.ts): user actors, unlabelled workspace and
 * billing targets, and ids among the change values, in one look-up per page. `shown` says which
 * entries may show their target and changes: a redacted one shows neither, so its ids are not
 * looked up. Labels never name a ticket (db/labels.ts), so looking up an entry that then turns out
 * redacted shows nothing more: its target label and changes are not rendered.
 */
export async function labelsFor(
  ctx: AuditContext,
  workspaceId: string,
  page: readonly EntryRow[],
  shown: (entry: EntryRow) => boolean,
): Promise<ReadonlyMap<string, string> | undefined> {
  if (ctx.actor.kind === "anonymous") return undefined;
  const ids = new Set<string>();
  for (const entry of page) {
    if (entry.actorType === "user" && entry.actorId && !entry.actorLabel) ids.add(entry.actorId);
    if (!shown(entry)) continue;
    if (!entry.targetLabel && WORKSPACE_TARGETS.has(entry.targetType)) ids.add(entry.targetId);
    for (const change of changesOf(entry)) {
      if (isUuid(change.old)) ids.add(change.old);
      if (isUuid(change.new)) ids.add(change.new);
    }
  }
  if (ids.size === 0) return undefined;
  return labelsOf(ctx.pool, { workspaceId, organisationId: ctx.actor.organisationId }, ids);
}

interface StoredChange {
  field: string;
  old: unknown;
  new: unknown;
}

const changesOf = (entry: EntryRow): StoredChange[] =>
  Array.isArray(entry.changes) ? (entry.changes as StoredChange[]) : [];

/** A value as the producer stored it, typed (JSON scalar): 7, "ACTIVE", true, a list; absent is null. */
const valueOf = (value: unknown): unknown => (value === undefined ? null : value);

const labelOf = (entry: EntryRow, value: unknown): string | null =>
  isUuid(value) ? (entry.labels?.get(value) ?? null) : null;

/** The stored label, else (workspace and billing entries written without one) the workspace's name. */
function targetLabelOf(entry: EntryRow): string | null {
  if (entry.redacted) return null;
  return (
    entry.targetLabel ?? (WORKSPACE_TARGETS.has(entry.targetType) ? (entry.labels?.get(entry.targetId) ?? null) : null)
  );
}
