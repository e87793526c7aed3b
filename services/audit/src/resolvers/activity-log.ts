import { z } from "zod";
import { invalidInput } from "@support/errors";
import { cursorCodec, cursorKey, instantText, pageSize, singleLineText } from "@support/validation";
import type { AuditContext } from "../context.js";
import { entriesPage, type EntryRow } from "../db/entries.js";
import { summaryOf } from "../domain/render.js";
import type { EventType } from "@support/events";
import { requireLogAccess } from "./access.js";
import { isRedacted, ticketsToAsk, type LogReader } from "../domain/redaction.js";

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
  first: pageSize().nullish(),
  after: z.string().max(200).nullish(),
  filter: activityFilter,
});

/** The page cursor (@support/validation's codec): a timestamptz and a bigint, each in range. */
const activityCursor = cursorCodec(z.object({ occurredAt: cursorKey.instant(), seq: cursorKey.bigint() }));
const encodeCursor = (entry: EntryRow): string =>
  activityCursor.encode({ occurredAt: entry.occurredAt.toISOString(), seq: entry.seq });

function decodeCursor(cursor: string): { occurredAt: string; seq: string } {
  const value = activityCursor.decode(cursor);
  if (!value) throw invalidInput([{ path: ["after"], message: "is not a cursor returned by activityLog" }]);
  return value;
}

/** Newest first; `after` loads older entries (keyset on occurredAt, seq: stable while entries arrive). */
export async function activityLog(rawArgs: unknown, ctx: AuditContext) {
  const parsed = activityLogArgs.safeParse(rawArgs);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const args = parsed.data;
  const reader = await requireLogAccess(ctx, args.workspaceId, "activity_log:view");

  const cursor = args.after ? decodeCursor(args.after) : null;
  const first = args.first ?? 50;
  const rows = await entriesPage(
    ctx.pool,
    args.workspaceId,
    args.filter,
    cursor ? { occurredAt: new Date(cursor.occurredAt), seq: cursor.seq } : null,
    first + 1,
  );
  const page = rows.slice(0, first);
  const last = page.at(-1);
  return {
    entries: await redacted(ctx, args.workspaceId, reader, page),
    nextCursor: rows.length > first && last ? encodeCursor(last) : null,
  };
}

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

/** JSON-encoded, as FieldChange's old and new say. */
const encoded = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);

export const ActivityEntryResolvers = {
  id: (entry: EntryRow) => entry.eventId,
  summary: (entry: EntryRow) =>
    summaryOf({
      type: entry.action as EventType,
      target: { type: entry.targetType, id: entry.targetId, label: entry.targetLabel },
    }),
  actor: (entry: EntryRow) => ({ type: entry.actorType, id: entry.actorId, label: entry.actorLabel }),
  target: (entry: EntryRow) => ({ type: entry.targetType, id: entry.targetId, label: entry.targetLabel }),
  changes: (entry: EntryRow) =>
    (entry.changes as Array<{ field: string; old: unknown; new: unknown }>).map((change) => ({
      field: change.field,
      old: encoded(change.old),
      new: encoded(change.new),
    })),
  occurredAt: (entry: EntryRow) => entry.occurredAt.toISOString(),
  redacted: (entry: EntryRow) => entry.redacted === true,
};
