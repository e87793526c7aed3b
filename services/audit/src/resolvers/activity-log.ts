import { pagingWindow } from "@support/service-kit";
import { GraphQLScalarType, valueFromASTUntyped } from "graphql";
import { z } from "zod";
import { invalidInput } from "@support/errors";
import {
  connectionOf,
  cursorCodec,
  cursorKey,
  instantText,
  isUuid,
  pagingArguments,
  singleLineText,
} from "@support/validation";
import type { AuditContext } from "../context.js";
import { entriesPage, type EntryRow } from "../db/entries.js";
import { labelsOf } from "../db/labels.js";
import { summaryOf } from "../domain/render.js";
import type { EventType } from "@support/events";
import { requireLogAccess } from "./access.js";
import { isRedacted, ticketsToAsk, type LogReader } from "../domain/redaction.js";
import type { ActivityEntryResolvers as ActivityEntryFields, QueryActivityLogArgs } from "../generated/graphql.js";

// Within what timestamptz holds: 2024-02-30 or year 0000 is BAD_USER_INPUT, not a database error.
const instant = instantText();

/** The filter of activityLog and exportActivityLog; each field is served by an index of activity_entry. */
export const activityFilter = z
  .object({
    category: singleLineText({ max: 100 }).nullish(),
    action: singleLineText({ max: 100 }).nullish(),
    actorId: z.string().uuid().nullish(),
    targetType: singleLineText({ max: 100 }).nullish(),
    targetId: singleLineText({ max: 200 }).nullish(),
    from: instant.nullish(),
    to: instant.nullish(),
  })
  .nullish();
export type ActivityFilter = z.infer<typeof activityFilter>;

const activityLogArgs = z.object({
  workspaceId: z.string(),
  ...pagingArguments,
  filter: activityFilter,
});

/**
 * The page cursor (@support/validation's codec): an entry's key in the log's order, a timestamptz
 * and a bigint, each in range, so a forged one is BAD_USER_INPUT and never reaches PostgreSQL.
 */
const activityCursor = cursorCodec(z.object({ occurredAt: cursorKey.instant(), seq: cursorKey.bigint() }));
const keyOf = (entry: EntryRow) => ({ occurredAt: entry.occurredAt.toISOString(), seq: entry.seq });

/**
 * The log, newest first, as a connection: forward (`first`/`after`) loads older entries, backward
 * (`last`/`before`) reads newer ones back towards the newest; keyset on (occurredAt, seq), so
 * entries arriving meanwhile never shift a page.
 */
export async function activityLog(rawArgs: QueryActivityLogArgs, ctx: AuditContext) {
  const parsed = activityLogArgs.safeParse(rawArgs);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const args = parsed.data;
  const window = pagingWindow(args, activityCursor);
  const reader = await requireLogAccess(ctx, args.workspaceId, "activity_log:view");

  const rows = await entriesPage(ctx.pool, args.workspaceId, args.filter, {
    from: window.from && { occurredAt: new Date(window.from.occurredAt), seq: window.from.seq },
    backward: window.backward,
    limit: window.size + 1,
  });
  const page = connectionOf(rows, window, keyOf, activityCursor);
  const nodes = await labelled(ctx, args.workspaceId, await redacted(ctx, args.workspaceId, reader, page.nodes));
  return {
    ...page,
    nodes,
    edges: page.edges.map((edge, index) => ({ cursor: edge.cursor, node: nodes[index] })),
  };
}

/** Target types whose unlabelled entries are shown with their workspace's name (the id is the workspace's). */
const WORKSPACE_TARGETS = new Set(["billing_account", "workspace"]);

/**
 * The page with names for what it holds as bare ids (db/labels.ts): user actors, unlabelled
 * workspace and billing targets, and ids among the change values, in one look-up per page.
 * Redacted entries get none: they show no target label and no changes.
 */
async function labelled(ctx: AuditContext, workspaceId: string, page: EntryRow[]): Promise<EntryRow[]> {
  if (ctx.actor.kind === "anonymous") return page;
  const ids = new Set<string>();
  for (const entry of page) {
    if (entry.actorType === "user" && entry.actorId && !entry.actorLabel) ids.add(entry.actorId);
    if (entry.redacted) continue;
    if (!entry.targetLabel && WORKSPACE_TARGETS.has(entry.targetType)) ids.add(entry.targetId);
    for (const change of changesOf(entry)) {
      if (isUuid(change.old)) ids.add(change.old);
      if (isUuid(change.new)) ids.add(change.new);
    }
  }
  if (ids.size === 0) return page;
  const labels = await labelsOf(ctx.pool, { workspaceId, organisationId: ctx.actor.organisationId }, ids);
  return page.map((entry) => ({ ...entry, labels }));
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

/**
 * The page as `reader` may see it (docs/adr/0013): entries about tickets outside their access keep
 * action, actor and time, without target label or changes. A reader with a narrower ticket access
 * costs one call to ticketing per page (only when the page holds ticket entries).
 */
async function redacted(
  ctx: AuditContext,
  workspaceId: string,
  reader: LogReader,
  page: EntryRow[],
): Promise<EntryRow[]> {
  const ask = ticketsToAsk(reader, page);
  const visible = ask.length > 0 ? await ctx.tickets.among(workspaceId, ask) : new Set<string>();
  return page.map((entry) =>
    isRedacted(reader, entry, visible) ? { ...entry, targetLabel: null, changes: [], redacted: true } : entry,
  );
}

export const ActivityEntryResolvers: ActivityEntryFields = {
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

/** The stored label, else (workspace and billing entries written without one) the workspace's name. */
function targetLabelOf(entry: EntryRow): string | null {
  if (entry.redacted) return null;
  return (
    entry.targetLabel ?? (WORKSPACE_TARGETS.has(entry.targetType) ? (entry.labels?.get(entry.targetId) ?? null) : null)
  );
}

/**
 * `FieldChange.old` and `new`: any JSON value, passed through as it is (no string encoding).
 * Input literals are accepted as their JSON value too, though no argument takes one today.
 */
export const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  description: "Any JSON value: a string, number, boolean, null, list or object.",
  serialize: (value: unknown) => value,
  parseValue: (value: unknown) => value,
  parseLiteral: (ast) => valueFromASTUntyped(ast),
});
