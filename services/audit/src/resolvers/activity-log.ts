import { z } from "zod";
import { invalidInput } from "@support/errors";
import { singleLineText } from "@support/validation";
import type { AuditContext } from "../context.js";
import type { ActivityEntry, Prisma } from "../db/generated/client.js";
import { summaryOf } from "../domain/render.js";
import type { EventType } from "@support/events";
import { requireLogAccess } from "./access.js";

const MAX_PAGE = 100;
const instant = z.string().datetime({ offset: true });

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
  first: z.number().int().min(1).max(MAX_PAGE).nullish(),
  after: z.string().max(200).nullish(),
  filter: activityFilter,
});

/** Prisma's where clause for a workspace's entries under a filter. */
export function whereOf(workspaceId: string, filter: ActivityFilter): Prisma.ActivityEntryWhereInput {
  const where: Prisma.ActivityEntryWhereInput = { workspaceId };
  if (filter?.category) where.category = filter.category;
  if (filter?.action) where.action = filter.action;
  if (filter?.actorId) where.actorId = filter.actorId;
  if (filter?.targetType) where.targetType = filter.targetType;
  if (filter?.targetId) where.targetId = filter.targetId;
  if (filter?.from || filter?.to) {
    where.occurredAt = {
      ...(filter.from ? { gte: new Date(filter.from) } : {}),
      ...(filter.to ? { lt: new Date(filter.to) } : {}),
    };
  }
  return where;
}

interface Cursor {
  occurredAt: string;
  seq: string;
}

const encodeCursor = (entry: ActivityEntry): string =>
  Buffer.from(JSON.stringify({ occurredAt: entry.occurredAt.toISOString(), seq: entry.seq.toString() })).toString(
    "base64url",
  );

function decodeCursor(cursor: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString()) as Cursor;
    if (
      typeof value.occurredAt !== "string" ||
      Number.isNaN(Date.parse(value.occurredAt)) ||
      !/^\d{1,19}$/.test(value.seq)
    )
      throw new Error("bad cursor");
    return value;
  } catch {
    throw invalidInput([{ path: ["after"], message: "is not a cursor returned by activityLog" }]);
  }
}

/** Newest first; `after` loads older entries (keyset on occurredAt, seq: stable while entries arrive). */
export async function activityLog(rawArgs: unknown, ctx: AuditContext) {
  const parsed = activityLogArgs.safeParse(rawArgs);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const args = parsed.data;
  await requireLogAccess(ctx, args.workspaceId, "activity_log:view");

  const and: Prisma.ActivityEntryWhereInput[] = [whereOf(args.workspaceId, args.filter)];
  if (args.after) {
    const cursor = decodeCursor(args.after);
    const at = new Date(cursor.occurredAt);
    and.push({ OR: [{ occurredAt: { lt: at } }, { occurredAt: at, seq: { lt: BigInt(cursor.seq) } }] });
  }
  const first = args.first ?? 50;
  const rows = await ctx.db.activityEntry.findMany({
    where: { AND: and },
    orderBy: [{ occurredAt: "desc" }, { seq: "desc" }],
    take: first + 1,
  });
  const page = rows.slice(0, first);
  const last = page.at(-1);
  return { entries: page, nextCursor: rows.length > first && last ? encodeCursor(last) : null };
}

/** JSON-encoded, as FieldChange's old and new say. */
const encoded = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);

export const ActivityEntryResolvers = {
  id: (entry: ActivityEntry) => entry.eventId,
  summary: (entry: ActivityEntry) =>
    summaryOf({
      type: entry.action as EventType,
      target: { type: entry.targetType, id: entry.targetId, label: entry.targetLabel },
    }),
  actor: (entry: ActivityEntry) => ({ type: entry.actorType, id: entry.actorId, label: entry.actorLabel }),
  target: (entry: ActivityEntry) => ({ type: entry.targetType, id: entry.targetId, label: entry.targetLabel }),
  changes: (entry: ActivityEntry) =>
    (entry.changes as Array<{ field: string; old: unknown; new: unknown }>).map((change) => ({
      field: change.field,
      old: encoded(change.old),
      new: encoded(change.new),
    })),
  occurredAt: (entry: ActivityEntry) => entry.occurredAt.toISOString(),
};
